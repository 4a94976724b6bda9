"""Payments: checkout through a payment provider, and the provider's signed webhooks."""
