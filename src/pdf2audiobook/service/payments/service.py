"""Starting a purchase: one checkout per purchase attempt, whatever the client retries."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from pdf2audiobook.service.kit.errors import BadRequest, NotFound, ServiceUnavailable
from pdf2audiobook.service.models import Checkout, ProductKind, User
from pdf2audiobook.service.payments.provider import CheckoutRequest, PaymentProvider, ProviderError
from pdf2audiobook.service.payments.repository import PaymentRepository
from pdf2audiobook.service.products.repository import PRICE_COLUMNS, ProductRepository

logger = logging.getLogger(__name__)


class ProviderRefused(ServiceUnavailable):
    """The payment provider could not start the purchase (503: try again later)."""


def start_checkout(
    session: Session,
    provider: PaymentProvider,
    user: User,
    product_id: str,
    idempotency_key: str | None,
) -> Checkout:
    """The provider's checkout for `product_id`, created at most once per idempotency key.

    Raises NotFound for an unknown or retired product, BadRequest for one that cannot be
    bought (the free plan, or no price at this provider) and ProviderRefused when the
    provider fails. Nothing is granted here: credits come only from the provider's signed
    webhook once the money is collected.
    """
    payments = PaymentRepository(session)
    key = idempotency_key or str(uuid.uuid4())
    existing = payments.checkout(user.id, key)
    if existing is not None:
        return existing
    product = ProductRepository(session).get(product_id)
    if product is None or not product.active:
        raise NotFound("No such product.")
    if product.kind is ProductKind.ALLOWANCE:
        raise BadRequest("The free plan needs no purchase.")
    price_id = getattr(product, PRICE_COLUMNS[provider.name].key)
    if price_id is None:
        raise BadRequest(f"{product.name} is not on sale at the moment.")
    request = CheckoutRequest(
        user_id=user.id,
        email=user.email,
        customer_id=payments.customer_id(user.id, provider.name),
        price_id=price_id,
        idempotency_key=key,
    )
    try:
        started = provider.create_checkout(request)
    except ProviderError as error:
        logger.warning("checkout failed at %s: %s", provider.name, error.message)
        raise ProviderRefused(
            "The payment provider could not start the purchase; please try again shortly."
        ) from None
    if started.customer_id is not None:
        payments.remember_customer(user.id, provider.name, started.customer_id)
    return payments.add_checkout(
        Checkout(
            user_id=user.id,
            provider=provider.name,
            product_id=product.id,
            idempotency_key=key,
            external_id=started.checkout_id,
            url=started.url,
        )
    )
