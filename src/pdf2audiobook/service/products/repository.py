"""Reads and writes of `Product` rows. Flushes, never commits: the caller's unit of work does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Product, ProductKind, Tier

PRICE_COLUMNS = {"paddle": Product.paddle_price_id, "stripe": Product.stripe_price_id}


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def active(self) -> list[Product]:
        statement = (
            select(Product).where(Product.active.is_(True)).order_by(Product.sort_order, Product.id)
        )
        return list(self._session.scalars(statement))

    def all(self) -> list[Product]:
        return list(self._session.scalars(select(Product).order_by(Product.sort_order, Product.id)))

    def get(self, product_id: str) -> Product | None:
        return self._session.get(Product, product_id)

    def by_price_id(self, provider: str, price_ids: tuple[str, ...]) -> Product | None:
        """The product sold at the first of `price_ids` that is one of ours, retired or not
        (a renewal of a retired plan still pays for it)."""
        column = PRICE_COLUMNS.get(provider)
        if column is None or not price_ids:
            return None
        products = {
            str(getattr(product, column.key)): product
            for product in self._session.scalars(select(Product).where(column.in_(price_ids)))
        }
        return next((products[price] for price in price_ids if price in products), None)

    def add(
        self,
        *,
        product_id: str,
        name: str,
        kind: ProductKind,
        credits: int,
        price_minor: int,
        currency: str,
        tier: Tier | None,
        description: str = "",
        sort_order: int = 0,
    ) -> Product:
        """Add a product. Raises ValueError for one that cannot make sense (a pack with a
        tier, a subscription without one, negative credits or price)."""
        if credits < 0 or price_minor < 0:
            raise ValueError("credits and price cannot be negative")
        if (kind is ProductKind.PACK) != (tier is None):
            raise ValueError("a pack has no tier; an allowance or a subscription needs one")
        if self.get(product_id) is not None:
            raise ValueError(f"a product {product_id!r} already exists")
        product = Product(
            id=product_id,
            name=name,
            kind=kind,
            credits=credits,
            price_minor=price_minor,
            currency=currency.upper(),
            tier=tier,
            description=description,
            sort_order=sort_order,
        )
        self._session.add(product)
        self._session.flush()
        return product

    def set_active(self, product_id: str, active: bool) -> Product:
        product = self._require(product_id)
        product.active = active
        self._session.flush()
        return product

    def set_price_id(self, product_id: str, provider: str, price_id: str | None) -> Product:
        """Link the product to the provider's price (None unlinks it). Raises ValueError for
        an unknown provider or product, or a price another product sells at (a payment
        must name one product)."""
        column = PRICE_COLUMNS.get(provider)
        if column is None:
            raise ValueError(f"unknown payment provider {provider!r}")
        product = self._require(product_id)
        if price_id:
            other = self._session.scalars(
                select(Product.id).where(column == price_id, Product.id != product_id)
            ).first()
            if other is not None:
                raise ValueError(f"{other!r} already sells at {provider} price {price_id!r}")
        setattr(product, column.key, price_id or None)
        self._session.flush()
        return product

    def _require(self, product_id: str) -> Product:
        product = self.get(product_id)
        if product is None:
            raise ValueError(f"no product {product_id!r}")
        return product
