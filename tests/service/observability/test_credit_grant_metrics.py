"""Credit grants are counted when the transaction that wrote them commits, once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.metrics.instruments import instruments
from pdf2audiobook.service.models import CreditKind
from pdf2audiobook.service.users.repository import UserRepository


def _counted(kind: str) -> tuple[float, float]:
    registry = instruments().registry
    labels = {"kind": kind}
    entries = registry.get_sample_value("pdf2audiobook_credit_grants_total", labels) or 0.0
    credits = registry.get_sample_value("pdf2audiobook_credits_granted_total", labels) or 0.0
    return entries, credits


def _entry(user_id: str, kind: CreditKind, key: str, amount: int = 500) -> NewEntry:
    return NewEntry(user_id=user_id, key=key, kind=kind, amount=amount, description="test")


@pytest.fixture
def user_id(sessions: sessionmaker[Session]) -> str:
    with session_scope(sessions) as session:
        return (
            UserRepository(session)
            .get_or_create_by_external_id(f"user_grants_{uuid.uuid4().hex}", None)
            .id
        )


def test_committed_purchase_is_counted_once_even_when_appended_again(
    sessions: sessionmaker[Session], user_id: str
) -> None:
    before = _counted("purchase")
    key = f"purchase:{uuid.uuid4()}"

    for _ in range(2):
        with session_scope(sessions) as session:
            CreditLedger(session).append(_entry(user_id, CreditKind.PURCHASE, key))

    entries, credits = _counted("purchase")
    assert (entries - before[0], credits - before[1]) == (1, 500)


def test_grant_rolled_back_with_its_transaction_is_not_counted(
    sessions: sessionmaker[Session], user_id: str
) -> None:
    before = _counted("grant")

    with sessions() as session:
        CreditLedger(session).append(_entry(user_id, CreditKind.GRANT, f"grant:{uuid.uuid4()}"))
        session.rollback()
        session.commit()

    assert _counted("grant") == before


def test_entries_that_spend_or_hold_credits_are_not_grants(
    sessions: sessionmaker[Session], user_id: str
) -> None:
    before = (_counted("grant"), _counted("purchase"))

    with session_scope(sessions) as session:
        CreditLedger(session).append(
            _entry(user_id, CreditKind.ADJUSTMENT, f"adjust:{uuid.uuid4()}", amount=40)
        )

    assert (_counted("grant"), _counted("purchase")) == before


def test_grant_entry_that_takes_credits_away_is_counted_without_credits_and_commits(
    sessions: sessionmaker[Session], user_id: str
) -> None:
    before = _counted("grant")

    with session_scope(sessions) as session:
        ledger = CreditLedger(session)
        ledger.append(_entry(user_id, CreditKind.GRANT, f"grant:{uuid.uuid4()}", amount=-30))

    entries, credits = _counted("grant")
    assert (entries - before[0], credits - before[1]) == (1, 0)
    with session_scope(sessions) as session:
        assert CreditLedger(session).balance(user_id).available == -30
