"""`pdf2audiobook serve` with the test voice, for the browser: a real server process on a
free loopback port with its own data folder, and personal tokens made by the CLI."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from pdf2audiobook.service.kit.db import create_engine_for, session_factory, session_scope
from pdf2audiobook.service.products.repository import ProductRepository
from pdf2audiobook.service.users.tokens import create_token_for_email
from tests.service.auth.token_factory import new_rsa_key
from tests.service.hardening.server import ApiServer

TONE_SECONDS_PER_CHUNK = 0.15
"""Slow enough that the sample book's later chapters are still being read when its first
can be played (each chapter is about ten chunks), fast enough to finish in seconds."""


class PageServer(ApiServer):
    """The API and the page in one process, converting with the tone voice on one worker,
    so a second book waits while the first is read."""

    @contextmanager
    def database(self) -> Iterator[Session]:
        """One committed unit of work on the server's database, as the CLI opens one."""
        engine = create_engine_for(
            str(self.environment["DATABASE_URL"]), pool_size=1, max_overflow=0
        )
        try:
            with session_scope(session_factory(engine)) as session:
                yield session
        finally:
            engine.dispose()

    def create_token(self, email: str) -> str:
        """A personal API token for `email`, made by what `pdf2audiobook tokens create`
        runs (in this process: the command's own start-up would cost the suite seconds)."""
        with self.database() as session:
            return create_token_for_email(session, email, "browser tests", None)

    def put_on_sale(self, product_id: str, paddle_price_id: str) -> None:
        """What `pdf2audiobook products set-price` does: link a product to Paddle's price."""
        with self.database() as session:
            ProductRepository(session).set_price_id(product_id, "paddle", paddle_price_id)


@contextmanager
def page_server(folder: Path, settings: Mapping[str, object]) -> Iterator[PageServer]:
    database = folder / "data" / "pdf2audiobook.db"
    server = PageServer(
        folder,
        new_rsa_key(),
        f"sqlite:///{database}",
        {
            "pdf2audiobook_test_voices": 1,
            "pdf2audiobook_tone_seconds_per_chunk": TONE_SECONDS_PER_CHUNK,
            **settings,
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
