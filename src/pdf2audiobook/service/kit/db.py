"""Database plumbing: engines for SQLite and PostgreSQL, sessions, and migrations.

The schema comes only from the Alembic migrations shipped inside this package (`migrate`);
nothing here creates tables from the models.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from pdf2audiobook.service.kit.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
MIGRATION_FILE_TEMPLATE = (
    "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"
)
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def normalise_url(url: str) -> URL:
    """The URL with PostgreSQL pinned to the psycopg 3 driver, the only one installed.

    Hosting providers hand out `postgres://` and `postgresql://`; SQLAlchemy would read both
    as psycopg2. Raises ValueError for a backend other than SQLite or PostgreSQL.
    """
    parsed = make_url(url)
    if parsed.drivername in {"postgres", "postgresql"}:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}")
    return parsed


def _ensure_sqlite_directory(url: URL) -> None:
    # SQLite creates the file but not its folder, and the default lives in a data directory
    # that a fresh install has not made yet.
    if url.get_backend_name() == "sqlite" and url.database not in {None, "", ":memory:"}:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)


def create_engine_for(
    url: str, *, pool_size: int, max_overflow: int, pool_recycle: int = 3600
) -> Engine:
    """An engine tuned for the backend in `url` (SQLite or PostgreSQL).

    SQLite gets WAL, enforced foreign keys, a busy timeout and working savepoints (see
    `_configure_sqlite`); PostgreSQL gets a pre-pinged, recycled pool. Raises ValueError for
    other backends.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_directory(parsed)
        engine = create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            },
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=pool_recycle,
        connect_args={"application_name": "pdf2audiobook"},
    )


def create_engine_from_settings(settings: Settings) -> Engine:
    return create_engine_for(
        settings.resolved_database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_recycle=settings.database_pool_recycle_seconds,
    )


def _configure_sqlite(engine: Engine) -> None:
    """Transactions on SQLite: reads never wait, writes queue up, savepoints work.

    The sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE; it skips
    SAVEPOINT, so a released savepoint commits on its own and survives a later rollback. Here
    the module's control is switched off and a `BEGIN IMMEDIATE` is issued before the first
    statement that is not a plain read. Reads before it see the latest commit (as with the
    module's default); the write lock is held from that first write until commit, so
    concurrent writers wait out the busy timeout instead of failing. An IMMEDIATE transaction
    from the start would make every session, even one that only reads, block all writers.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            # Safe from corruption under WAL and spares an fsync per commit; a power cut can
            # lose the last few commits, never the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_first_write(
        connection: Connection,
        cursor: sqlite3.Cursor,
        statement: str,
        *_: object,
    ) -> None:
        dbapi_connection = cast(sqlite3.Connection, connection.connection.dbapi_connection)
        if not dbapi_connection.in_transaction and not _is_plain_read(statement):
            cursor.execute("BEGIN IMMEDIATE")


def _is_plain_read(statement: str) -> bool:
    return statement.lstrip()[:6].upper() in {"SELECT", "PRAGMA"}


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (a response is built afterwards)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block succeeds, rolls back when it raises.

    This is the only place that commits; repositories and services flush at most. The
    exception is re-raised after the rollback.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the migrations shipped in this package, aimed at `url`.

    Built in code so migrating works from an installed wheel with no `alembic.ini` around.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", MIGRATION_FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    config.set_main_option("path_separator", "os")
    # Passed as an attribute, not `sqlalchemy.url`, because the ini parser would try to
    # interpolate the `%` of a percent-encoded password.
    config.attributes["database_url"] = url
    return config


def migration_engine(url: str) -> Engine:
    """A single-use engine for running migrations.

    Deliberately not `create_engine_for`: SQLite migrations that rebuild a table must run with
    foreign keys off, or dropping the old table would cascade-delete the child rows.
    """
    parsed = normalise_url(url)
    _ensure_sqlite_directory(parsed)
    return create_engine(parsed, poolclass=NullPool)


def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest migration. Safe to run repeatedly."""
    command.upgrade(alembic_config(url), "head")
