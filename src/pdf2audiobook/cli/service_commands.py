"""`pdf2audiobook serve` and `pdf2audiobook tokens create`: running the service locally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

tokens_app = typer.Typer(
    help="Personal API tokens for a self-hosted service.", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the REST API with the embedded defaults (SQLite, local files, in-process jobs)."""
    import uvicorn

    from pdf2audiobook.service.app import create_app
    from pdf2audiobook.service.kit.logging_setup import configure_logging
    from pdf2audiobook.service.kit.settings import get_settings
    from pdf2audiobook.service.metrics.instruments import reset_directory

    settings = get_settings()
    configure_logging(settings)
    # Counters restart with the server; files of a previous run would be added in.
    reset_directory(settings.metrics_dir)
    # uvicorn's own configuration would replace ours; its access line duplicates the
    # request log's, which names the route rather than the raw path and query.
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@tokens_app.command("create")
def create_token(
    email: Annotated[str, typer.Option("--email", help="The user the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="A label to recognise it by.")] = "cli",
) -> None:
    """Print a new API token for EMAIL (created if new). It is shown once and stored hashed."""
    from pdf2audiobook.service.users.tokens import create_token_for_email

    with database_session() as session:
        token = create_token_for_email(session, email, name)
    typer.echo(token)


@contextmanager
def database_session() -> Iterator[Session]:
    """One committed unit of work on the configured database, migrated first."""
    from pdf2audiobook.service.kit.db import (
        create_engine_from_settings,
        migrate,
        session_factory,
        session_scope,
    )
    from pdf2audiobook.service.kit.settings import get_settings

    settings = get_settings()
    migrate(settings.resolved_database_url)
    engine = create_engine_from_settings(settings)
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
