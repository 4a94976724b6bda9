"""Reading and arranging a user's credits through the app's own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import CreditEntry, CreditKind, Job, JobStatus, User
from tests.service.api.conftest import Api, api

__all__ = ["api"]  # the API fixture, shared with these tests


def user_id(api: Api, subject: str) -> str:
    me = api.client.get("/api/v1/auth/me", headers=api.headers(subject))
    assert me.status_code == 200
    return str(me.json()["id"])


def balance(api: Api, subject: str) -> tuple[int, int]:
    """(balance, reserved) as the user sees them."""
    body = api.client.get("/api/v1/credits", headers=api.headers(subject)).json()
    return int(body["balance"]), int(body["reserved"])


def give_credits(api: Api, subject: str, credits: int) -> None:
    """Set the user's spendable balance to exactly `credits`, as an adjustment would."""
    owner = user_id(api, subject)
    current, _ = balance(api, subject)
    with session_scope(api.app.state.service.sessions) as session:
        CreditLedger(session).append(
            NewEntry(
                user_id=owner,
                key=f"test-arrange:{owner}:{current}->{credits}",
                kind=CreditKind.ADJUSTMENT,
                amount=credits - current,
                description="arranged by the test",
            )
        )
    assert balance(api, subject)[0] == credits


def assert_ledger_consistent(api: Api) -> None:
    """For the test's own users (the PostgreSQL database is shared): every balance is its
    entries' sum; nothing stays held for a finished job; no job gives back more than it
    held."""
    with session_scope(api.app.state.service.sessions) as session:
        ours = select(User.id).where(
            User.external_id.in_([api.external_id(api.alice), api.external_id(api.bob)])
        )
        negative_holds = session.execute(
            select(CreditEntry.job_id, func.sum(CreditEntry.held))
            .where(CreditEntry.job_id.is_not(None), CreditEntry.user_id.in_(ours))
            .group_by(CreditEntry.job_id)
            .having(func.sum(CreditEntry.held) < 0)
        ).all()
        assert negative_holds == []
        finished_but_held = session.execute(
            select(Job.id)
            .join(CreditEntry, CreditEntry.job_id == Job.id)
            .where(
                Job.user_id.in_(ours),
                Job.status.in_([JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED]),
            )
            .group_by(Job.id)
            .having(func.sum(CreditEntry.held) != 0)
        ).all()
        details = {
            job_id: [(e.kind.value, e.held) for e in CreditLedger(session).entries_for_job(job_id)]
            for (job_id,) in finished_but_held
        }
        assert details == {}
        for user, amount, held in session.execute(
            select(
                CreditEntry.user_id, func.sum(CreditEntry.amount), func.sum(CreditEntry.held)
            ).group_by(CreditEntry.user_id)
        ):
            seen = CreditLedger(session).balance(user)
            assert (seen.available, seen.reserved) == (amount, held)


@pytest.fixture
def paid_api(api: Api) -> Iterator[Api]:
    """The API with the ledger checked after the test, whatever it did."""
    yield api
    assert_ledger_consistent(api)
