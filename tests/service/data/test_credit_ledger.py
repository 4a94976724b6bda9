"""The credit ledger under real concurrency: one entry per key, and holds that never
overdraw, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.credits.holds import InsufficientCredits, JobCredits
from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import CreditKind, User


def _grant(sessions: sessionmaker[Session], user: User, credits: int) -> None:
    with session_scope(sessions) as session:
        CreditLedger(session).append(
            NewEntry(
                user_id=user.id,
                key=f"grant:{uuid.uuid4()}",
                kind=CreditKind.GRANT,
                amount=credits,
                description="granted",
            )
        )


def test_the_same_key_appended_by_twenty_transactions_at_once_is_written_once(
    sessions: sessionmaker[Session], new_user: Callable[[], User]
) -> None:
    user = new_user()
    start = threading.Barrier(20)

    def append(_: int) -> bool:
        start.wait()
        with session_scope(sessions) as session:
            return CreditLedger(session).append(
                NewEntry(
                    user_id=user.id,
                    key="paddle:payment:txn_1",
                    kind=CreditKind.PURCHASE,
                    amount=1000,
                    description="bought",
                )
            )

    with ThreadPoolExecutor(20) as pool:
        written = list(pool.map(append, range(20)))
    assert written.count(True) == 1
    with session_scope(sessions) as session:
        assert CreditLedger(session).balance(user.id).available == 1000


def test_holds_racing_for_one_books_credits_never_overdraw(
    sessions: sessionmaker[Session], new_user: Callable[[], User]
) -> None:
    user = new_user()
    price, racers = 60, 8
    _grant(sessions, user, price + price // 2)
    jobs = []
    for number in range(racers):
        with session_scope(sessions) as session:
            jobs.append(
                JobRepository(session, user.id).create(
                    original_filename=f"book-{number}.pdf", pdf_key=f"uploads/{number}", options={}
                )
            )
    start = threading.Barrier(racers)

    def reserve(index: int) -> bool:
        with session_scope(sessions) as session:
            job = JobRepository(session, user.id).get(jobs[index].id)
            assert job is not None
            start.wait()  # every transaction is open and about to check the balance
            try:
                JobCredits(session).reserve(job, "local", 1000, price)
            except InsufficientCredits:
                return False
        return True

    with ThreadPoolExecutor(racers) as pool:
        held = list(pool.map(reserve, range(racers)))
    assert held.count(True) == 1
    with session_scope(sessions) as session:
        balance = CreditLedger(session).balance(user.id)
    assert (balance.available, balance.reserved) == (price // 2, price)


def test_a_balance_is_the_sum_of_entries_and_history_pages_newest_first(
    sessions: sessionmaker[Session], new_user: Callable[[], User]
) -> None:
    user = new_user()
    for credits in (100, -30, 7):
        _grant(sessions, user, credits)
    with session_scope(sessions) as session:
        ledger = CreditLedger(session)
        assert ledger.balance(user.id).available == 77
        page, total = ledger.history(user.id, limit=2, offset=0)
        assert total == 3
        assert [entry.amount for entry in page] == [7, -30]
        rest, _ = ledger.history(user.id, limit=2, offset=2)
        assert [entry.amount for entry in rest] == [100]
