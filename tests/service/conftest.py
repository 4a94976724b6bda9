"""Database fixtures: every test that asks for `database_url` runs on SQLite and on PostgreSQL.

Schemas are built by the Alembic migrations, never from the models. SQLite gets a fresh file
per test: a copy of one database migrated once per session (a closed SQLite database is a
plain file). PostgreSQL gets one throwaway database per test session (dropped at the end), so
tests there share rows and must create their own users rather than assume an empty table.
Set P2A_TEST_POSTGRES_URL to point at another server; when none answers, the PostgreSQL
variants are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import create_engine_for, migrate, session_factory

POSTGRES_ADMIN_URL = os.environ.get(
    "P2A_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


def _libpq_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; yields its URL.

    Skips the calling test when the server cannot be reached.
    """
    name = f"p2a_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(
            _libpq_conninfo(POSTGRES_ADMIN_URL), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield (
                make_url(POSTGRES_ADMIN_URL)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the session; read-only, tests get copies of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    migrate(sqlite_url(path))
    path.chmod(0o444)
    return path


def migrated_sqlite_url(template: Path, path: Path) -> str:
    """The URL of a new migrated database at `path`, copied from `template`."""
    shutil.copyfile(template, path)
    return sqlite_url(path)


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """The session's migrated PostgreSQL database."""
    with throwaway_postgres_database() as url:
        migrate(url)
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database on each backend in turn."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database_url")
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    return migrated_sqlite_url(template, tmp_path / "service.db")


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, on each backend in turn."""
    if request.param == "postgresql":
        with throwaway_postgres_database() as url:
            yield url
    else:
        yield sqlite_url(tmp_path / "empty.db")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url, pool_size=10, max_overflow=10)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session the test commits itself when it needs to; rolled back and closed after."""
    with sessions() as session:
        yield session
        session.rollback()
