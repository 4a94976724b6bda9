"""The credit ledger: append-only entries, each written at most once, and balances summed
from them. Flushes, never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pdf2audiobook.service.metrics.ledger_hooks import count_grant_on_commit
from pdf2audiobook.service.models import CreditEntry, CreditKind, User, utc_now

MAX_HISTORY_PAGE = 100


@dataclass(frozen=True, slots=True)
class Balance:
    available: int
    """Credits the user can spend now."""
    reserved: int
    """Credits held for jobs that have not finished."""


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to append. `key` names the fact it records; see `CreditEntry`."""

    user_id: str
    key: str
    kind: CreditKind
    amount: int
    description: str
    held: int = 0
    job_id: str | None = None
    provider: str | None = None
    characters: int | None = None
    reference: str | None = None
    actor_id: str | None = None


class CreditLedger:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock

    def lock(self, user_id: str) -> None:
        """Queue behind any other transaction writing this user's ledger, until commit.

        An UPDATE of the user's row takes PostgreSQL's row lock and SQLite's write lock alike;
        a balance read after it cannot change under the caller before it commits.
        """
        self._session.execute(
            update(User)
            .where(User.id == user_id)
            .values(ledger_version=User.ledger_version + 1)
            .execution_options(synchronize_session=False)
        )

    def append(self, entry: NewEntry) -> bool:
        """Write `entry` unless an entry with its key exists; True when written.

        Safe under concurrency: of two transactions appending the same key, one writes and
        the other, after waiting for it to commit, does nothing.
        """
        self.lock(entry.user_id)
        values = {
            "user_id": entry.user_id,
            "key": entry.key,
            "kind": entry.kind,
            "amount": entry.amount,
            "held": entry.held,
            "job_id": entry.job_id,
            "provider": entry.provider,
            "characters": entry.characters,
            "reference": entry.reference,
            "description": entry.description,
            "actor_id": entry.actor_id,
            "created_at": self._clock(),
        }
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(CreditEntry)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(CreditEntry.id)
        )
        written = self._session.execute(statement).first() is not None
        if written and entry.kind in (CreditKind.GRANT, CreditKind.PURCHASE):
            count_grant_on_commit(self._session, entry.kind.value, entry.amount)
        return written

    def has(self, key: str) -> bool:
        return (
            self._session.scalar(select(CreditEntry.id).where(CreditEntry.key == key)) is not None
        )

    def balance(self, user_id: str) -> Balance:
        available, reserved = self._session.execute(
            select(
                func.coalesce(func.sum(CreditEntry.amount), 0),
                func.coalesce(func.sum(CreditEntry.held), 0),
            ).where(CreditEntry.user_id == user_id)
        ).one()
        return Balance(available=int(available), reserved=int(reserved))

    def held_for_job(self, job_id: str, run: int) -> int:
        """Credits still held for one run of a job."""
        total = self._session.scalar(
            select(func.coalesce(func.sum(CreditEntry.held), 0)).where(
                CreditEntry.job_id == job_id,
                CreditEntry.key.startswith(job_key_prefix(job_id, run)),
            )
        )
        return int(total or 0)

    def entries_for_job(self, job_id: str) -> list[CreditEntry]:
        statement = select(CreditEntry).where(CreditEntry.job_id == job_id).order_by(CreditEntry.id)
        return list(self._session.scalars(statement))

    def history(self, user_id: str, limit: int, offset: int) -> tuple[list[CreditEntry], int]:
        """One page of the user's entries, newest first, and how many there are."""
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_HISTORY_PAGE}")
        owned = select(CreditEntry).where(CreditEntry.user_id == user_id)
        total = self._session.scalar(select(func.count()).select_from(owned.subquery())) or 0
        page = owned.order_by(CreditEntry.id.desc()).limit(limit).offset(offset)
        return list(self._session.scalars(page)), total

    def entries_with_reference(self, reference: str) -> list[CreditEntry]:
        statement = (
            select(CreditEntry).where(CreditEntry.reference == reference).order_by(CreditEntry.id)
        )
        return list(self._session.scalars(statement))


def job_key_prefix(job_id: str, run: int) -> str:
    return f"job:{job_id}:{run}:"


def job_key(job_id: str, run: int, kind: CreditKind) -> str:
    return f"{job_key_prefix(job_id, run)}{kind.value}"
