"""`pdf2audiobook products`, `rates` and `users`: plans, voice prices and roles, edited on
the running service's database without a deploy. `/api/v1/products` shows an edit once its
cache expires (PRODUCTS_CACHE_SECONDS)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, NoReturn, TypeVar

import typer

from pdf2audiobook.cli.service_commands import database_session

products_app = typer.Typer(help="Products on sale: credit packs and plans.", no_args_is_help=True)
rates_app = typer.Typer(help="What each voice costs, in credits.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the service.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


Choice = TypeVar("Choice", bound=StrEnum)


def _choice(choices: type[Choice], value: str, what: str) -> Choice:
    try:
        return choices(value)
    except ValueError:
        _fail(f"the {what} must be one of {', '.join(choice.value for choice in choices)}")


@products_app.command("list")
def list_products() -> None:
    """Every product, retired ones too."""
    from pdf2audiobook.service.products.repository import ProductRepository

    with database_session() as session:
        for product in ProductRepository(session).all():
            state = "active" if product.active else "retired"
            price = f"{product.price_minor / 100:.2f} {product.currency}"
            tier = product.tier.value if product.tier else "-"
            paddle = product.paddle_price_id or "-"
            stripe = product.stripe_price_id or "-"
            typer.echo(
                f"{product.id}\t{product.kind.value}\t{tier}\t{product.credits} credits"
                f"\t{price}\t{state}\tpaddle={paddle}\tstripe={stripe}"
            )


@products_app.command("add")
def add_product(
    product_id: Annotated[str, typer.Argument(help="A short slug, e.g. pack-2000.")],
    name: Annotated[str, typer.Option(help="Shown to buyers.")],
    kind: Annotated[str, typer.Option(help="pack, subscription or allowance.")],
    credits: Annotated[int, typer.Option(help="Credits given (per month for plans).")],
    price: Annotated[float, typer.Option(help="Price, e.g. 9.99.")] = 0.0,
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "USD",
    tier: Annotated[str | None, typer.Option(help="free, pro or enterprise (plans).")] = None,
    description: Annotated[str, typer.Option(help="One sentence for buyers.")] = "",
) -> None:
    """Put a new product on sale (link it to a provider's price with `set-price`)."""
    from pdf2audiobook.service.models import ProductKind, Tier
    from pdf2audiobook.service.products.repository import ProductRepository

    chosen_kind = _choice(ProductKind, kind, "kind")
    chosen_tier = _choice(Tier, tier, "tier") if tier else None
    try:
        with database_session() as session:
            ProductRepository(session).add(
                product_id=product_id,
                name=name,
                kind=chosen_kind,
                credits=credits,
                price_minor=round(price * 100),
                currency=currency,
                tier=chosen_tier,
                description=description,
            )
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"Added {product_id}.")


@products_app.command("retire")
def retire_product(product_id: str) -> None:
    """Take a product off sale; its buyers keep what they bought."""
    _set_active(product_id, active=False)


@products_app.command("restore")
def restore_product(product_id: str) -> None:
    """Put a retired product back on sale."""
    _set_active(product_id, active=True)


def _set_active(product_id: str, *, active: bool) -> None:
    from pdf2audiobook.service.products.repository import ProductRepository

    try:
        with database_session() as session:
            ProductRepository(session).set_active(product_id, active)
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"{product_id} is {'on sale' if active else 'retired'}.")


@products_app.command("set-price")
def set_price(
    product_id: str,
    provider: Annotated[str, typer.Option(help="paddle or stripe.")],
    price_id: Annotated[str, typer.Option(help="The provider's price id; empty to unlink.")],
) -> None:
    """Link a product to the payment provider's price, so checkout can sell it."""
    from pdf2audiobook.service.products.repository import ProductRepository

    try:
        with database_session() as session:
            ProductRepository(session).set_price_id(product_id, provider, price_id or None)
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"{product_id} sells at {provider} price {price_id or '(none)'}.")


@rates_app.command("list")
def list_rates() -> None:
    from pdf2audiobook.service.credits.pricing import VoiceRates

    with database_session() as session:
        for rate in VoiceRates(session).all():
            typer.echo(
                f"{rate.provider}\t{rate.credits_per_million} credits per million characters"
            )


@rates_app.command("set")
def set_rate(
    provider: str,
    credits_per_million: Annotated[int, typer.Argument(help="Credits per million characters.")],
) -> None:
    """Set what a voice provider costs; a provider without a rate cannot be used."""
    from pdf2audiobook.pipeline.voices.registry import PROVIDERS, canonical_provider_name
    from pdf2audiobook.service.credits.pricing import VoiceRates

    # Jobs name their provider this way too, so the rate is found under the same name.
    provider = canonical_provider_name(provider)
    if provider not in PROVIDERS:
        _fail(f"unknown provider {provider!r}; known: {', '.join(sorted(PROVIDERS))}")
    try:
        with database_session() as session:
            VoiceRates(session).set(provider, credits_per_million)
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"{provider} costs {credits_per_million} credits per million characters.")


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Option("--email", help="The user's email address.")],
    role: Annotated[str, typer.Argument(help="admin or user.")],
) -> None:
    """Make a user an administrator, or an ordinary user again."""
    from pdf2audiobook.service.models import UserRole
    from pdf2audiobook.service.users.repository import UserRepository

    chosen = _choice(UserRole, role, "role")
    with database_session() as session:
        changed = UserRepository(session).set_role_by_email(email, chosen)
    if changed == 0:
        _fail(f"no user has the email address {email}")
    typer.echo(f"{email} is now {chosen.value}.")
