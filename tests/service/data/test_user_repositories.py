"""Users are created once per identity, even under racing first requests; API tokens are found
only by the digest of a live token."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import User
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.users.token_repository import ApiTokenRepository

from .clock import FakeClock


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_get_or_create_creates_a_user_once_and_then_finds_it(session: Session) -> None:
    users = UserRepository(session)
    external_id = f"user_{uuid.uuid4().hex}"

    created = users.get_or_create_by_external_id(external_id, "reader@example.com")
    found = users.get_or_create_by_external_id(external_id, "reader@example.com")

    assert found.id == created.id
    assert created.email == "reader@example.com"
    assert users.get(created.id) is created


def test_get_or_create_copies_a_changed_email_but_keeps_it_when_none_is_given(
    session: Session,
) -> None:
    users = UserRepository(session)
    external_id = f"user_{uuid.uuid4().hex}"
    users.get_or_create_by_external_id(external_id, "old@example.com")

    assert users.get_or_create_by_external_id(external_id, "new@example.com").email == (
        "new@example.com"
    )
    assert users.get_or_create_by_external_id(external_id, None).email == "new@example.com"


def test_racing_first_requests_of_one_person_create_a_single_user(
    sessions: sessionmaker[Session],
) -> None:
    external_id = f"user_{uuid.uuid4().hex}"
    racers = 6
    start = threading.Barrier(racers)

    def first_request() -> str:
        start.wait()
        with session_scope(sessions) as session:
            return UserRepository(session).get_or_create_by_external_id(external_id, None).id

    with ThreadPoolExecutor(racers) as pool:
        ids = list(pool.map(lambda _: first_request(), range(racers)))

    assert len(set(ids)) == 1


def test_update_names_sets_both_names(session: Session, new_user: Callable[[], User]) -> None:
    users = UserRepository(session)
    user = users.get(new_user().id)
    assert user is not None

    users.update_names(user, "Ada", "Lovelace")

    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")


def test_get_returns_none_for_an_unknown_user(session: Session) -> None:
    assert UserRepository(session).get(str(uuid.uuid4())) is None


def test_an_active_token_is_found_by_its_digest(
    session: Session, new_user: Callable[[], User]
) -> None:
    tokens = ApiTokenRepository(session)
    user = new_user()
    token = tokens.create(user, "laptop", _digest(f"p2a_{uuid.uuid4().hex}"))

    found = tokens.find_active_by_hash(token.token_hash)

    assert found is not None
    assert (found.id, found.user_id, found.name) == (token.id, user.id, "laptop")


def test_a_revoked_or_unknown_token_is_not_found(
    session: Session, new_user: Callable[[], User]
) -> None:
    tokens = ApiTokenRepository(session)
    user = new_user()
    token = tokens.create(user, "old", _digest(f"p2a_{uuid.uuid4().hex}"))

    assert tokens.revoke(user, token.id)

    assert tokens.find_active_by_hash(token.token_hash) is None
    assert tokens.find_active_by_hash(_digest("never issued")) is None


def test_a_user_cannot_revoke_or_list_another_users_token(
    session: Session, new_user: Callable[[], User]
) -> None:
    tokens = ApiTokenRepository(session)
    owner, stranger = new_user(), new_user()
    token = tokens.create(owner, "owner's", _digest(f"p2a_{uuid.uuid4().hex}"))

    assert not tokens.revoke(stranger, token.id)
    assert tokens.list_active(stranger) == []
    assert tokens.list_active(owner) == [token]
    assert tokens.find_active_by_hash(token.token_hash) is not None


def test_touch_records_when_the_token_was_last_used(
    session: Session, new_user: Callable[[], User], lease_clock: FakeClock
) -> None:
    tokens = ApiTokenRepository(session, clock=lease_clock)
    token = tokens.create(new_user(), "ci", _digest(f"p2a_{uuid.uuid4().hex}"))

    tokens.touch(token)

    assert token.last_used_at == lease_clock.now


def test_a_raw_token_is_refused_in_place_of_its_digest(
    session: Session, new_user: Callable[[], User]
) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        ApiTokenRepository(session).create(new_user(), "oops", f"p2a_{uuid.uuid4().hex}")


def test_two_tokens_cannot_share_a_digest(session: Session, new_user: Callable[[], User]) -> None:
    tokens = ApiTokenRepository(session)
    user = new_user()
    digest = _digest(f"p2a_{uuid.uuid4().hex}")
    tokens.create(user, "first", digest)

    with pytest.raises(IntegrityError):
        tokens.create(user, "second", digest)


def test_a_user_stored_under_a_bare_subject_is_moved_to_its_issuer_key(session: Session) -> None:
    users = UserRepository(session)
    bare = f"user_{uuid.uuid4().hex}"
    old = users.get_or_create_by_external_id(bare, "reader@example.com")
    keyed = f"jwt:https://idp.example|{bare}"
    moved = users.get_or_create_by_external_id(keyed, None, legacy_external_id=bare)
    assert moved.id == old.id
    assert moved.external_id == keyed
    assert users.get_by_external_id(bare) is None


def test_a_namespaced_user_is_never_adopted_as_legacy(session: Session) -> None:
    users = UserRepository(session)
    local = users.get_or_create_by_external_id(f"local:{uuid.uuid4().hex}@example.com", None)
    claimed = users.get_or_create_by_external_id(
        f"jwt:https://idp.example|{local.external_id}",
        None,
        legacy_external_id=local.external_id,
    )
    assert claimed.id != local.id
    assert local.external_id.startswith("local:")
