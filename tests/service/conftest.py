"""Database fixtures: every test that asks for `database_url` runs on SQLite and on PostgreSQL.

Schemas are built by the Alembic migrations, never from the models. SQLite gets a fresh file
per test: a copy of one database migrated once per session (a closed SQLite database is a
plain file). PostgreSQL gets one throwaway database per test session (dropped at the end), so
tests there share rows and must create their own users rather than assume an empty table.
Set P2A_TEST_POSTGRES_URL to point at another server; when none answers, the PostgreSQL
variants are skipped with the reason.

S3 is a moto server: one process for the session, started when a test first asks for it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from psycopg import sql
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import create_engine_for, migrate, session_factory
from tests.service.auth.token_factory import new_rsa_key

MOTO_STARTUP_SECONDS = 30.0
MOTO_POLL_SECONDS = 0.05
_MOTO_RUNNING_ON = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
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


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto S3 server for the whole session, started on first use; yields its URL."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield _wait_until_moto_serves(process, log_path)
    finally:
        _stop_moto(process)


def _wait_until_moto_serves(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The server's URL once it answers HTTP; port 0 means it announces its port in the log."""
    deadline = time.monotonic() + MOTO_STARTUP_SECONDS
    while time.monotonic() < deadline:
        announced = _MOTO_RUNNING_ON.search(log_path.read_text(errors="replace"))
        if announced and _moto_answers(announced.group(1)):
            return announced.group(1)
        try:
            # Waiting on the process doubles as the poll interval and notices an early exit.
            process.wait(timeout=MOTO_POLL_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"moto server exited with {process.returncode}: {log_path.read_text()}")
    pytest.fail(
        f"moto server did not answer within {MOTO_STARTUP_SECONDS} s: {log_path.read_text()}"
    )


def _moto_answers(endpoint: str) -> bool:
    try:
        httpx.get(endpoint, timeout=1.0)
    except httpx.TransportError:
        return False
    return True


def _stop_moto(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    """The key the tests' identity provider signs sign-in tokens with."""
    return new_rsa_key()
