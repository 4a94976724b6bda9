"""Credits held for a job: reserved when it is submitted, spent as far as it used them when
it completes, given back when it fails, is cancelled or deleted unstarted.

Every call belongs in the same transaction as the job's change of status, which is a
compare-and-set: only one ending can win, and the ledger's keys stop a second settlement.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry, job_key
from pdf2audiobook.service.credits.pricing import VoiceRates, price_of
from pdf2audiobook.service.kit.errors import PaymentRequired
from pdf2audiobook.service.models import Chapter, CreditKind, Job


class InsufficientCredits(PaymentRequired):
    """402: the job costs more than the user has. Carries the figures for clients."""

    def __init__(self, price: int, available: int) -> None:
        self.price = price
        self.available = available
        self.missing = price - available
        super().__init__(
            f"This book costs {price} credits and you have {available}: "
            f"{self.missing} more are needed. Buy credits or choose a cheaper voice."
        )


class JobCredits:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._ledger = CreditLedger(session)
        self._rates = VoiceRates(session)

    def price(self, provider: str, characters: int) -> int:
        return price_of(characters, self._rates.rate(provider))

    def reserve(self, job: Job, provider: str, characters: int, price: int) -> None:
        """Hold `price` credits for the job's current run.

        Raises InsufficientCredits when the user's balance is short; two submissions racing
        for the same credits queue on the ledger's lock, so they can never both be held.
        """
        if price <= 0:
            return
        self._ledger.lock(job.user_id)
        available = self._ledger.balance(job.user_id).available
        if available < price:
            raise InsufficientCredits(price, available)
        self._ledger.append(
            NewEntry(
                user_id=job.user_id,
                key=job_key(job.id, job.billing_run, CreditKind.RESERVE),
                kind=CreditKind.RESERVE,
                amount=-price,
                held=price,
                job_id=job.id,
                provider=provider,
                characters=characters,
                description=f"Held for {job.original_filename}",
            )
        )

    def reprice(self, job_id: str, characters: int) -> None:
        """Fit the hold to the book as read, once its speech is counted exactly: the surplus
        of the submission's estimate goes back at once, and a shortfall is held too when
        the balance allows (otherwise the job goes on and costs no more than it held)."""
        job = self._session.get(Job, job_id)
        if job is None:
            return
        held = self._ledger.held_for_job(job.id, job.billing_run)
        if held <= 0:
            return
        provider = str(job.options.get("provider", "local"))
        exact = self.price(provider, characters)
        key = job_key(job.id, job.billing_run, CreditKind.RESERVE)
        if exact < held:
            self._ledger.append(
                NewEntry(
                    user_id=job.user_id,
                    key=f"{key}:surplus",
                    kind=CreditKind.RELEASE,
                    amount=held - exact,
                    held=exact - held,
                    job_id=job.id,
                    description=f"Returned: {job.original_filename} is shorter than estimated",
                )
            )
        elif exact > held:
            self._ledger.lock(job.user_id)
            extra = min(exact - held, self._ledger.balance(job.user_id).available)
            if extra > 0:
                self._ledger.append(
                    NewEntry(
                        user_id=job.user_id,
                        key=f"{key}:shortfall",
                        kind=CreditKind.RESERVE,
                        amount=-extra,
                        held=extra,
                        job_id=job.id,
                        provider=provider,
                        characters=characters,
                        description=f"Held for {job.original_filename}: longer than estimated",
                    )
                )

    def settle_completed(self, job_id: str) -> None:
        """Spend what the finished job used, priced per chapter by the voice that read it
        (a fallback voice may have taken over), never more than was held; give the rest
        back."""
        job = self._session.get(Job, job_id)
        if job is None:
            return
        held = self._ledger.held_for_job(job.id, job.billing_run)
        if held <= 0:
            return
        chapters = self._session.scalars(select(Chapter).where(Chapter.job_id == job.id))
        default_provider = str(job.options.get("provider", "local"))
        characters: dict[str, int] = {}
        for chapter in chapters:
            provider = chapter.provider or default_provider
            characters[provider] = characters.get(provider, 0) + chapter.characters
        # One capture per voice that read part of the book, so usage is counted where it
        # happened; together never more than was held.
        used = 0
        for provider, count in sorted(characters.items()):
            spent = min(self.price(provider, count), held - used)
            if spent <= 0:
                continue
            used += spent
            self._ledger.append(
                NewEntry(
                    user_id=job.user_id,
                    key=f"{job_key(job.id, job.billing_run, CreditKind.CAPTURE)}:{provider}",
                    kind=CreditKind.CAPTURE,
                    amount=0,
                    held=-spent,
                    job_id=job.id,
                    provider=provider,
                    characters=count,
                    description=f"Spent on {job.original_filename} ({provider} voice)",
                )
            )
        self._release(job, held - used, f"Not used by {job.original_filename}")

    def release(self, job_id: str, why: str) -> None:
        """Give back everything still held for the job's current run."""
        job = self._session.get(Job, job_id)
        if job is not None:
            held = self._ledger.held_for_job(job.id, job.billing_run)
            self._release(job, held, f"Returned: {job.original_filename} {why}")

    def _release(self, job: Job, credits: int, description: str) -> None:
        if credits <= 0:
            return
        self._ledger.append(
            NewEntry(
                user_id=job.user_id,
                key=job_key(job.id, job.billing_run, CreditKind.RELEASE),
                kind=CreditKind.RELEASE,
                amount=credits,
                held=-credits,
                job_id=job.id,
                description=description,
            )
        )
