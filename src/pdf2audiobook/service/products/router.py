"""`/api/v1/products`: the plans and packs on sale and what each voice costs, for anyone."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pdf2audiobook.service.credits.pricing import VoiceRates
from pdf2audiobook.service.deps import StateDep
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.products.repository import PRICE_COLUMNS, ProductRepository
from pdf2audiobook.service.products.schemas import CatalogueOut, ProductOut, VoiceRateOut

router = APIRouter(prefix="/products", tags=["products"])
_CACHE_KEY = "products:v1"


@router.get("", response_model=CatalogueOut)
def read_products(state: StateDep) -> Response:
    """Active products and voice rates. Served from a cache for `PRODUCTS_CACHE_SECONDS`
    (five minutes by default), so an edit shows within that time."""
    settings = state.settings
    body = state.cache.get(_CACHE_KEY)
    if body is None:
        body = _catalogue(state).model_dump_json()
        state.cache.set(_CACHE_KEY, body, settings.products_cache_seconds)
    seconds = int(settings.products_cache_seconds)
    return Response(
        body,
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={seconds}"},
    )


def _catalogue(state: StateDep) -> CatalogueOut:
    provider = state.settings.payment_provider.value
    price_column = PRICE_COLUMNS[provider]
    with session_scope(state.sessions) as session:
        products = [
            ProductOut(
                id=product.id,
                name=product.name,
                description=product.description,
                kind=product.kind,
                tier=product.tier,
                credits=product.credits,
                price_minor=product.price_minor,
                currency=product.currency,
                purchasable=getattr(product, price_column.key) is not None,
            )
            for product in ProductRepository(session).active()
        ]
        rates = [VoiceRateOut.model_validate(rate) for rate in VoiceRates(session).all()]
    return CatalogueOut(products=products, voice_rates=rates)
