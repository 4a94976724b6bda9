from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=64)


class CheckoutOut(BaseModel):
    checkout_url: str
    """The payment provider's own page: send the buyer there."""
    checkout_id: str
    provider: str


class WebhookOut(BaseModel):
    status: str
    """`handled` the first time an event is applied, `duplicate` for one already applied."""
