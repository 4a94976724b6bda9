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


def migrate() -> None:
    """Bring the database (DATABASE_URL, or SQLite in DATA_DIR) to the newest schema."""
    from pdf2audiobook.service.kit.db import migrate as migrate_database
    from pdf2audiobook.service.kit.settings import get_settings

    migrate_database(get_settings().resolved_database_url)
    typer.echo("The database is up to date.")


@tokens_app.command("create")
def create_token(
    email: Annotated[str, typer.Option("--email", help="The user the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="A label to recognise it by.")] = "cli",
    expires_in_days: Annotated[
        int | None,
        typer.Option("--expires-in-days", min=1, max=3650, help="Stop working after this."),
    ] = None,
) -> None:
    """Print a new API token for EMAIL (created if new). It is shown once and stored hashed."""
    from datetime import timedelta

    from pdf2audiobook.service.models import utc_now
    from pdf2audiobook.service.users.tokens import create_token_for_email

    expires_at = utc_now() + timedelta(days=expires_in_days) if expires_in_days else None
    with database_session() as session:
        token = create_token_for_email(session, email, name, expires_at)
    typer.echo(token)


@tokens_app.command("list")
def list_tokens(
    email: Annotated[str, typer.Option("--email", help="Whose tokens.")],
) -> None:
    """EMAIL's live tokens: id, name, created, last used, expiry (never the tokens)."""
    from pdf2audiobook.service.users.token_repository import ApiTokenRepository
    from pdf2audiobook.service.users.tokens import local_user

    with database_session() as session:
        for token in ApiTokenRepository(session).list_active(local_user(session, email)):
            used = token.last_used_at.isoformat() if token.last_used_at else "never used"
            expires = token.expires_at.isoformat() if token.expires_at else "no expiry"
            typer.echo(
                f"{token.id}\t{token.name}\t{token.created_at.isoformat()}\t{used}\t{expires}"
            )


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The id `tokens list` shows.")],
    email: Annotated[str, typer.Option("--email", help="Whose token.")],
) -> None:
    """Revoke one of EMAIL's tokens; it stops working at once."""
    from pdf2audiobook.service.users.token_repository import ApiTokenRepository
    from pdf2audiobook.service.users.tokens import local_user

    with database_session() as session:
        revoked = ApiTokenRepository(session).revoke(local_user(session, email), token_id)
    if not revoked:
        typer.echo(f"Error: {email} has no live token {token_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Revoked {token_id}.")


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
