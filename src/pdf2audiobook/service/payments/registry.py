"""The payment providers the service knows, built from settings. Adding one is one module
and one entry here."""

from __future__ import annotations

import secrets

from pdf2audiobook.service.kit.settings import PaddleEnvironment, Settings
from pdf2audiobook.service.payments.provider import PaymentProvider


def checkout_provider(settings: Settings) -> PaymentProvider | None:
    """The provider that sells (PAYMENT_PROVIDER), or None until it is configured (its API
    key; for Stripe also CHECKOUT_SUCCESS_URL)."""
    name = settings.payment_provider.value
    if name == "paddle" and settings.paddle_api_key:
        return _paddle(settings)
    if name == "stripe" and settings.stripe_api_key and settings.checkout_success_url:
        # Stripe's hosted checkout cannot start without a page to send the buyer back to.
        return _stripe(settings)
    return None


def webhook_provider(settings: Settings, name: str) -> PaymentProvider | None:
    """The provider whose webhooks arrive at `name`'s route, or None when its secret is
    unset: an unset secret must never let an unsigned event through."""
    if name == "paddle" and settings.paddle_webhook_secrets:
        return _paddle(settings)
    if name == "stripe" and settings.stripe_webhook_secrets:
        return _stripe(settings)
    return None


def _unguessable() -> str:
    # A provider built only to sell still needs a webhook secret; a random one can verify
    # nothing anyone could sign.
    return secrets.token_hex(32)


def _paddle(settings: Settings) -> PaymentProvider:
    from pdf2audiobook.service.payments.paddle.provider import (
        PRODUCTION_API_URL,
        SANDBOX_API_URL,
        PaddleProvider,
    )

    default_url = (
        PRODUCTION_API_URL
        if settings.paddle_environment is PaddleEnvironment.PRODUCTION
        else SANDBOX_API_URL
    )
    return PaddleProvider(
        api_key=settings.paddle_api_key,
        api_url=settings.paddle_api_url or default_url,
        webhook_secrets=settings.paddle_webhook_secrets or [_unguessable()],
        tolerance_seconds=settings.webhook_tolerance_seconds,
    )


def _stripe(settings: Settings) -> PaymentProvider:
    from pdf2audiobook.service.payments.stripe.provider import API_URL, StripeProvider

    return StripeProvider(
        api_key=settings.stripe_api_key,
        api_url=settings.stripe_api_url or API_URL,
        webhook_secrets=settings.stripe_webhook_secrets or [_unguessable()],
        success_url=settings.checkout_success_url,
        tolerance_seconds=settings.webhook_tolerance_seconds,
    )
