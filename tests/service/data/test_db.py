"""Engines, sessions and the unit of work behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from pdf2audiobook.service.kit.db import (
    create_engine_for,
    create_engine_from_settings,
    normalise_url,
    session_scope,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.users.repository import UserRepository


class _Boom(Exception):
    pass


def _external_id() -> str:
    # PostgreSQL tests share one database per session, so identities must never repeat.
    return f"user_{uuid.uuid4().hex}"


def test_session_scope_commits_when_the_block_succeeds(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        user = UserRepository(session).get_or_create_by_external_id(_external_id(), None)

    with sessions() as fresh:
        assert UserRepository(fresh).get(user.id) is not None


def test_session_scope_rolls_back_and_reraises_when_the_block_fails(
    sessions: sessionmaker[Session],
) -> None:
    created: list[str] = []

    def failing_unit_of_work() -> None:
        with session_scope(sessions) as session:
            user = UserRepository(session).get_or_create_by_external_id(_external_id(), None)
            created.append(user.id)
            raise _Boom

    with pytest.raises(_Boom):
        failing_unit_of_work()

    with sessions() as fresh:
        assert UserRepository(fresh).get(created[0]) is None


def test_a_released_savepoint_is_still_undone_by_the_outer_rollback(
    sessions: sessionmaker[Session],
) -> None:
    # get_or_create inserts inside a savepoint; the sqlite3 module's own transaction handling
    # would let that insert survive the rollback.
    with sessions() as session:
        user = UserRepository(session).get_or_create_by_external_id(_external_id(), None)
        session.rollback()

    with sessions() as fresh:
        assert UserRepository(fresh).get(user.id) is None


def test_a_session_that_only_reads_does_not_hold_up_writers(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as reader:
        UserRepository(reader).get_by_external_id(_external_id())

        with session_scope(sessions) as writer:
            created = UserRepository(writer).get_or_create_by_external_id(_external_id(), None)

        assert UserRepository(reader).get(created.id) is not None


def test_a_session_may_write_after_reading_data_another_session_changed_since(
    sessions: sessionmaker[Session],
) -> None:
    with session_scope(sessions) as setup:
        user = UserRepository(setup).get_or_create_by_external_id(_external_id(), None)

    with session_scope(sessions) as slow:
        slow_users = UserRepository(slow)
        seen = slow_users.get(user.id)
        assert seen is not None
        with session_scope(sessions) as fast:
            UserRepository(fast).get_or_create_by_external_id(user.external_id, "new@example.com")
        slow_users.update_names(seen, "Slow", "Writer")

    with sessions() as fresh:
        stored = UserRepository(fresh).get(user.id)
        assert stored is not None
        assert (stored.email, stored.first_name) == ("new@example.com", "Slow")


def test_timestamps_come_back_timezone_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        user = UserRepository(session).get_or_create_by_external_id(_external_id(), None)
        user.created_at = datetime(2030, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))

    with sessions() as fresh:
        stored = UserRepository(fresh).get(user.id)
        assert stored is not None
        assert stored.created_at == datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
        assert stored.created_at.utcoffset() == timedelta(0)
        assert stored.updated_at.tzinfo is not None


def test_a_naive_datetime_is_refused(session: Session) -> None:
    user = UserRepository(session).get_or_create_by_external_id(_external_id(), None)
    user.created_at = datetime(2030, 1, 1)

    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'pragmas.db'}", pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_sqlite_engine_creates_the_missing_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh" / "data")
    engine = create_engine_from_settings(settings)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()
    assert (tmp_path / "fresh" / "data" / "pdf2audiobook.db").is_file()


def test_postgresql_engine_pings_and_recycles_its_pool(postgres_database_url: str) -> None:
    engine = create_engine_for(postgres_database_url, pool_size=3, max_overflow=2)
    try:
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.size() == 3
        assert engine.pool._pre_ping
        assert engine.pool._recycle > 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["postgres://u@host/db", "postgresql://u@host/db", "postgresql+psycopg://u@host/db"]
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    assert normalise_url(url).drivername == "postgresql+psycopg"


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        normalise_url("mysql://u@host/db")
