"""Paddle Billing as a payment provider: its API for checkouts, its signed webhooks for events."""

from pdf2audiobook.service.payments.paddle.provider import (
    PRODUCTION_API_URL,
    SANDBOX_API_URL,
    PaddleProvider,
)

__all__ = ["PRODUCTION_API_URL", "SANDBOX_API_URL", "PaddleProvider"]
