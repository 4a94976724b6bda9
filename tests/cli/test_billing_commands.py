"""`pdf2audiobook products`, `rates` and `users`: what is on sale, what voices cost and who is
an administrator, edited on the service's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from pdf2audiobook.cli.app import app as cli
from pdf2audiobook.service.credits.pricing import VoiceRates
from pdf2audiobook.service.kit.db import create_engine_for, session_factory, session_scope
from pdf2audiobook.service.kit.settings import get_settings
from pdf2audiobook.service.models import Product, ProductKind, Tier, UserRole
from pdf2audiobook.service.products.repository import ProductRepository
from pdf2audiobook.service.users.repository import UserRepository
from tests.service import conftest as database_fixtures

# The database fixtures live with the service tests; these commands write the same database.
database_url = database_fixtures.database_url
postgres_database_url = database_fixtures.postgres_database_url
sqlite_template = database_fixtures.sqlite_template

SEEDED_PROVIDERS = [
    "local", "openai-compatible", "openai", "google", "polly", "azure", "elevenlabs", "tone"
]  # fmt: skip
"""Providers the migration gives a rate."""


@contextmanager
def _database(url: str) -> Iterator[Session]:
    engine = create_engine_for(url, pool_size=1, max_overflow=0)
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


class Commands:
    def __init__(self, url: str, data_dir: Path) -> None:
        self.url = url
        self._environment = {"DATA_DIR": str(data_dir), "DATABASE_URL": url}

    def run(self, *arguments: str) -> Result:
        return CliRunner().invoke(cli, list(arguments), env=self._environment)

    def product(self, product_id: str) -> Product | None:
        with _database(self.url) as session:
            product = ProductRepository(session).get(product_id)
            if product is not None:
                session.expunge(product)
            return product

    def listed(self, product_id: str) -> list[str]:
        """The fields of the product's line in `products list`."""
        listing = self.run("products", "list")
        assert listing.exit_code == 0, listing.output
        lines = [line for line in listing.stdout.splitlines() if line.startswith(f"{product_id}\t")]
        assert len(lines) == 1, listing.stdout
        return lines[0].split("\t")


@pytest.fixture
def commands(database_url: str, tmp_path: Path) -> Iterator[Commands]:
    """The commands on the test's database. Settings are read once per process, so they are
    read again around the test; products and rates are put back as they were after it
    (PostgreSQL's database is shared by the test session)."""
    get_settings.cache_clear()
    with _database(database_url) as session:
        rates = {rate.provider: rate.credits_per_million for rate in VoiceRates(session).all()}
        products = {product.id for product in ProductRepository(session).all()}
    try:
        yield Commands(database_url, tmp_path / "data")
    finally:
        get_settings.cache_clear()
        with _database(database_url) as session:
            for provider, credits_per_million in rates.items():
                VoiceRates(session).set(provider, credits_per_million)
            session.execute(delete(Product).where(Product.id.not_in(products)))


def _new_id() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def _failed(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.stderr


# --- products ---


def test_added_product_is_stored_and_listed_on_sale(commands: Commands) -> None:
    product_id = _new_id()

    added = commands.run(
        "products", "add", product_id, "--name", "2,000 credits", "--kind", "pack",
        "--credits", "2000", "--price", "17.5", "--currency", "eur",
        "--description", "For a long winter.",
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    assert added.stdout == f"Added {product_id}.\n"
    stored = commands.product(product_id)
    assert stored is not None
    assert (stored.name, stored.kind, stored.tier, stored.credits) == (
        "2,000 credits",
        ProductKind.PACK,
        None,
        2000,
    )
    assert (stored.price_minor, stored.currency, stored.active) == (1750, "EUR", True)
    assert stored.description == "For a long winter."
    assert commands.listed(product_id) == [
        product_id, "pack", "-", "2000 credits", "17.50 EUR", "active", "paddle=-", "stripe=-",
    ]  # fmt: skip


def test_added_subscription_has_its_tier(commands: Commands) -> None:
    product_id = _new_id()

    added = commands.run(
        "products", "add", product_id, "--name", "Pro yearly", "--kind", "subscription",
        "--credits", "15000", "--price", "99.99", "--tier", "pro",
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    stored = commands.product(product_id)
    assert stored is not None
    assert (stored.kind, stored.tier, stored.price_minor) == (
        ProductKind.SUBSCRIPTION,
        Tier.PRO,
        9999,
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--kind", "subscription"], "an allowance or a subscription needs one"),
        (["--kind", "pack", "--tier", "pro"], "a pack has no tier"),
        (["--kind", "pack", "--price", "-1"], "cannot be negative"),
        (["--kind", "bundle"], "the kind must be one of allowance, pack, subscription"),
        (["--kind", "subscription", "--tier", "gold"], "the tier must be one of free, pro,"),
    ],
)
def test_product_that_cannot_make_sense_is_refused_and_not_stored(
    commands: Commands, options: list[str], message: str
) -> None:
    product_id = _new_id()

    refused = commands.run(
        "products", "add", product_id, "--name", "Odd", "--credits", "10", *options
    )

    _failed(refused, message)
    assert commands.product(product_id) is None


def test_adding_an_existing_product_is_refused_and_leaves_it_as_it_was(
    commands: Commands,
) -> None:
    refused = commands.run(
        "products", "add", "pack-1000", "--name", "Cheap", "--kind", "pack", "--credits", "9000"
    )

    _failed(refused, "'pack-1000' already exists")
    stored = commands.product("pack-1000")
    assert stored is not None
    assert (stored.name, stored.credits) == ("1,000 credits", 1000)


def test_retired_product_is_off_sale_until_restored(commands: Commands) -> None:
    product_id = _new_id()
    commands.run("products", "add", product_id, "--name", "P", "--kind", "pack", "--credits", "5")

    retired = commands.run("products", "retire", product_id)

    assert retired.exit_code == 0, retired.output
    assert retired.stdout == f"{product_id} is retired.\n"
    assert commands.listed(product_id)[5] == "retired"
    stored = commands.product(product_id)
    assert stored is not None
    assert not stored.active

    restored = commands.run("products", "restore", product_id)

    assert restored.stdout == f"{product_id} is on sale.\n"
    assert commands.listed(product_id)[5] == "active"
    stored = commands.product(product_id)
    assert stored is not None
    assert stored.active


@pytest.mark.parametrize("command", ["retire", "restore"])
def test_retiring_or_restoring_a_missing_product_is_refused(
    commands: Commands, command: str
) -> None:
    _failed(commands.run("products", command, "no-such-product"), "no product 'no-such-product'")


def test_price_ids_link_and_unlink_a_product_at_each_provider(commands: Commands) -> None:
    product_id = _new_id()
    commands.run("products", "add", product_id, "--name", "P", "--kind", "pack", "--credits", "5")
    paddle_price, stripe_price = f"pri_{uuid.uuid4().hex}", f"price_{uuid.uuid4().hex}"

    at_paddle = commands.run(
        "products", "set-price", product_id, "--provider", "paddle", "--price-id", paddle_price
    )
    at_stripe = commands.run(
        "products", "set-price", product_id, "--provider", "stripe", "--price-id", stripe_price
    )

    assert at_paddle.exit_code == at_stripe.exit_code == 0, at_paddle.output + at_stripe.output
    assert at_paddle.stdout == f"{product_id} sells at paddle price {paddle_price}.\n"
    assert commands.listed(product_id)[6:] == [f"paddle={paddle_price}", f"stripe={stripe_price}"]

    unlinked = commands.run(
        "products", "set-price", product_id, "--provider", "paddle", "--price-id", ""
    )

    assert unlinked.stdout == f"{product_id} sells at paddle price (none).\n"
    stored = commands.product(product_id)
    assert stored is not None
    assert (stored.paddle_price_id, stored.stripe_price_id) == (None, stripe_price)


def test_price_at_an_unknown_provider_is_refused(commands: Commands) -> None:
    refused = commands.run(
        "products", "set-price", "pack-1000", "--provider", "square", "--price-id", "sq_1"
    )

    _failed(refused, "unknown payment provider 'square'")


def test_price_id_another_product_sells_at_is_refused(commands: Commands) -> None:
    first, second = _new_id(), _new_id()
    for product_id in (first, second):
        commands.run(
            "products", "add", product_id, "--name", "P", "--kind", "pack", "--credits", "5"
        )
    price = f"pri_{uuid.uuid4().hex}"
    commands.run("products", "set-price", first, "--provider", "paddle", "--price-id", price)

    refused = commands.run(
        "products", "set-price", second, "--provider", "paddle", "--price-id", price
    )

    _failed(refused, f"{first!r} already sells at paddle price {price!r}")
    stored = commands.product(second)
    assert stored is not None
    assert stored.paddle_price_id is None


# --- rates ---


def test_set_rate_is_stored_and_listed(commands: Commands) -> None:
    changed = commands.run("rates", "set", "openai", "2500")

    assert changed.exit_code == 0, changed.output
    assert changed.stdout == "openai costs 2500 credits per million characters.\n"
    with _database(commands.url) as session:
        assert VoiceRates(session).rate("openai") == 2500
    listing = commands.run("rates", "list").stdout.splitlines()
    assert "openai\t2500 credits per million characters" in listing
    assert [line.split("\t")[0] for line in listing] == sorted(SEEDED_PROVIDERS)


def test_rate_set_under_another_name_of_a_provider_is_stored_under_its_own(
    commands: Commands,
) -> None:
    changed = commands.run("rates", "set", " AWS_Polly ", "1800")

    assert changed.exit_code == 0, changed.output
    assert changed.stdout == "polly costs 1800 credits per million characters.\n"
    with _database(commands.url) as session:
        assert VoiceRates(session).rate("polly") == 1800
    assert "aws_polly" not in commands.run("rates", "list").stdout.lower()


def test_rate_of_an_unknown_provider_is_refused_with_the_known_ones(commands: Commands) -> None:
    refused = commands.run("rates", "set", "acme-voices", "10")

    _failed(refused, "unknown provider 'acme-voices'; known: ")
    assert "elevenlabs" in refused.stderr
    assert "acme-voices" not in commands.run("rates", "list").stdout


def test_negative_rate_is_refused(commands: Commands) -> None:
    with _database(commands.url) as session:
        before = VoiceRates(session).rate("local")

    refused = commands.run("rates", "set", "local", "--", "-5")

    _failed(refused, "a rate cannot be negative")
    with _database(commands.url) as session:
        assert VoiceRates(session).rate("local") == before


# --- users ---


def _new_user(commands: Commands, email: str) -> str:
    with _database(commands.url) as session:
        user = UserRepository(session).get_or_create_by_external_id(
            f"user_{uuid.uuid4().hex}", email
        )
        return user.id


def _role(commands: Commands, user_id: str) -> UserRole:
    with _database(commands.url) as session:
        user = UserRepository(session).get(user_id)
        assert user is not None
        return user.role


def test_set_role_makes_a_user_an_admin_and_back(commands: Commands) -> None:
    email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    user_id = _new_user(commands, email)

    made = commands.run("users", "set-role", "--email", f"  {email.upper()} ", "admin")

    assert made.exit_code == 0, made.output
    assert made.stdout.endswith("is now admin.\n")
    assert _role(commands, user_id) is UserRole.ADMIN

    demoted = commands.run("users", "set-role", "--email", email, "user")

    assert demoted.exit_code == 0, demoted.output
    assert _role(commands, user_id) is UserRole.USER


def test_set_role_for_a_missing_email_is_refused(commands: Commands) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"

    _failed(
        commands.run("users", "set-role", "--email", email, "admin"),
        f"no user has the email address {email}",
    )


def test_set_role_other_than_admin_or_user_is_refused(commands: Commands) -> None:
    email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    user_id = _new_user(commands, email)

    _failed(
        commands.run("users", "set-role", "--email", email, "superuser"),
        "the role must be one of user, admin",
    )
    assert _role(commands, user_id) is UserRole.USER
