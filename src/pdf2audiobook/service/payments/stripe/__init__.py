"""Stripe Checkout as a payment provider: its API for checkouts, its signed webhooks for
events."""

from pdf2audiobook.service.payments.stripe.provider import API_URL, StripeProvider

__all__ = ["API_URL", "StripeProvider"]
