"""Alembic environment: runs the migrations against the service database.

The URL comes from `kit.db.alembic_config` when migrating programmatically, otherwise from the
service settings (DATABASE_URL, else the SQLite file in DATA_DIR), so the repository-root
`alembic.ini` needs no URL of its own.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from pdf2audiobook.service.kit.db import migration_engine, normalise_url
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import Base, UtcDateTime

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if isinstance(url, str):
        return url
    return Settings().resolved_database_url


def _render_item(type_: str, item: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import the models, which keep changing after the migration is
    # written; the UTC wrapper is stored as a plain timezone-aware timestamp.
    if type_ == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


_OPTIONS: dict[str, Any] = {
    "target_metadata": Base.metadata,
    "compare_type": True,
    # Batch mode lets the same generated script alter tables on SQLite, which has almost no
    # ALTER TABLE; on PostgreSQL it falls through to ordinary ALTER statements.
    "render_as_batch": True,
    "render_item": _render_item,
}


def run_migrations_offline() -> None:
    context.configure(url=normalise_url(_database_url()), literal_binds=True, **_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = migration_engine(_database_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **_OPTIONS)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
