from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pdf2audiobook.service.models import ProductKind, Tier


class ProductOut(BaseModel):
    id: str
    name: str
    description: str
    kind: ProductKind
    tier: Tier | None
    credits: int
    """Credits a pack gives, a subscription gives every period, or the free plan tops up to
    every month."""
    price_minor: int
    """Price in the currency's smallest unit (cents)."""
    currency: str
    purchasable: bool
    """Whether checkout can sell it now (a price is set at the payment provider)."""


class VoiceRateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    credits_per_million: int
    """Credits per million characters spoken (a novel is about half a million)."""


class CatalogueOut(BaseModel):
    products: list[ProductOut]
    voice_rates: list[VoiceRateOut]
