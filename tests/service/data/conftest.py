"""Fixtures for the repository tests: a controllable clock and freshly created users."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import User
from pdf2audiobook.service.users.repository import UserRepository

from .clock import FakeClock


@pytest.fixture
def lease_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def new_user(sessions: sessionmaker[Session]) -> Callable[[], User]:
    """Creates and commits a user with a unique identity each time it is called."""

    def create() -> User:
        with session_scope(sessions) as session:
            external_id = f"user_{uuid.uuid4().hex}"
            return UserRepository(session).get_or_create_by_external_id(
                external_id, f"{external_id}@example.com"
            )

    return create
