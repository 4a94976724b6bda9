"""Administrators' reads across every user. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Chapter, CreditEntry, CreditKind, Job, User


@dataclass(frozen=True, slots=True)
class UserSummary:
    user: User
    balance: int
    reserved: int
    jobs: int
    characters: int
    audio_seconds: float
    cost_usd: float


@dataclass(frozen=True, slots=True)
class ProviderUsage:
    user_id: str
    email: str | None
    provider: str
    jobs: int
    characters: int
    audio_seconds: float
    credits_spent: int


class AdminRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def users(self, limit: int, offset: int) -> tuple[list[UserSummary], int]:
        """One page of users, oldest first, with their balances and totals over their jobs."""
        total = self._session.scalar(select(func.count()).select_from(User)) or 0
        users = list(
            self._session.scalars(
                select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
            )
        )
        ids = [user.id for user in users]
        ledger = {
            row.user_id: (int(row.balance), int(row.reserved))
            for row in self._session.execute(
                select(
                    CreditEntry.user_id,
                    func.sum(CreditEntry.amount).label("balance"),
                    func.sum(CreditEntry.held).label("reserved"),
                )
                .where(CreditEntry.user_id.in_(ids))
                .group_by(CreditEntry.user_id)
            )
        }
        jobs = {
            row.user_id: row
            for row in self._session.execute(
                select(
                    Job.user_id,
                    func.count(Job.id).label("jobs"),
                    func.coalesce(func.sum(Job.characters_sent), 0).label("characters"),
                    func.coalesce(func.sum(Job.duration_seconds), 0.0).label("seconds"),
                    func.coalesce(func.sum(Job.cost_usd), 0.0).label("cost"),
                )
                .where(Job.user_id.in_(ids))
                .group_by(Job.user_id)
            )
        }
        summaries = []
        for user in users:
            balance, reserved = ledger.get(user.id, (0, 0))
            row = jobs.get(user.id)
            summaries.append(
                UserSummary(
                    user=user,
                    balance=balance,
                    reserved=reserved,
                    jobs=int(row.jobs) if row else 0,
                    characters=int(row.characters) if row else 0,
                    audio_seconds=float(row.seconds) if row else 0.0,
                    cost_usd=round(float(row.cost), 4) if row else 0.0,
                )
            )
        return summaries, total

    def usage(self) -> list[ProviderUsage]:
        """Per user and voice provider: jobs, characters spoken, audio made, credits spent."""
        spoken = self._session.execute(
            select(
                Job.user_id,
                User.email,
                Chapter.provider,
                func.count(func.distinct(Job.id)).label("jobs"),
                func.coalesce(func.sum(Chapter.characters), 0).label("characters"),
                func.coalesce(func.sum(Chapter.duration_seconds), 0.0).label("seconds"),
            )
            .join(Job, Chapter.job_id == Job.id)
            .join(User, User.id == Job.user_id)
            .where(Chapter.provider.is_not(None))
            .group_by(Job.user_id, User.email, Chapter.provider)
            .order_by(Job.user_id, Chapter.provider)
        ).all()
        spent = {
            (row.user_id, row.provider): -int(row.credits)
            for row in self._session.execute(
                select(
                    CreditEntry.user_id,
                    CreditEntry.provider,
                    func.sum(CreditEntry.held).label("credits"),
                )
                .where(CreditEntry.kind == CreditKind.CAPTURE)
                .group_by(CreditEntry.user_id, CreditEntry.provider)
            )
        }
        return [
            ProviderUsage(
                user_id=row.user_id,
                email=row.email,
                provider=str(row.provider),
                jobs=int(row.jobs),
                characters=int(row.characters),
                audio_seconds=float(row.seconds),
                credits_spent=spent.get((row.user_id, row.provider), 0),
            )
            for row in spoken
        ]

    def job(self, job_id: str) -> Job | None:
        return self._session.get(Job, job_id)

    def user(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)
