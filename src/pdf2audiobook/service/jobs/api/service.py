"""Job use cases for one user. Services flush at most; the request's unit of work commits."""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.quick_count import characters_to_price
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.voices import get_provider
from pdf2audiobook.service.credits.allowance import top_up_monthly_allowance
from pdf2audiobook.service.credits.holds import InsufficientCredits, JobCredits
from pdf2audiobook.service.credits.ledger import CreditLedger, job_key
from pdf2audiobook.service.jobs.api.uploads import spooled_book
from pdf2audiobook.service.jobs.lifecycle.files import JobFiles, chunk_cache_for
from pdf2audiobook.service.jobs.lifecycle.options import JobOptions
from pdf2audiobook.service.jobs.lifecycle.password import seal_pdf_password
from pdf2audiobook.service.jobs.lifecycle.repository import IdempotencyKeyInUse, JobRepository
from pdf2audiobook.service.kit.errors import BadRequest, Conflict, NotFound, TooManyRequests
from pdf2audiobook.service.kit.unit_of_work import UnitOfWork
from pdf2audiobook.service.models import CreditKind, Job, JobStatus, User, utc_now
from pdf2audiobook.service.state import ServiceState
from pdf2audiobook.service.storage.keys import new_object_key

ACTIVE = (JobStatus.PENDING, JobStatus.PROCESSING)
FINISHED_UNSUCCESSFULLY = (JobStatus.FAILED, JobStatus.CANCELLED)


class TooManyActiveJobs(TooManyRequests):
    """429 without Retry-After: room comes back when one of the user's jobs ends, not at a
    time the server can tell."""


def check_options_can_be_honoured(options: JobOptions) -> None:
    """Refuse at submission what the pipeline cannot do, instead of failing the job later."""
    try:
        provider = get_provider(options.provider)
        status = provider.status()
        if not status.available:
            raise BadRequest(f"Voice provider {options.provider!r} is unavailable: {status.reason}")
        provider.resolve_voice(options.voice, options.voice_type)
    except PipelineError as error:
        raise BadRequest(error.public_message) from None


class JobService:
    def __init__(self, state: ServiceState, work: UnitOfWork, user: User) -> None:
        self._state = state
        self._work = work
        self._user = user
        self._jobs = JobRepository(work.session, user.id)
        self._credits = JobCredits(work.session)

    def submit(
        self,
        upload: UploadFile,
        options: JobOptions,
        password: str | None,
        idempotency_key: str | None,
    ) -> tuple[Job, bool]:
        """Store the book (any format the pipeline reads), hold its price in credits and
        queue a job; returns the job and whether it is new.

        A repeated Idempotency-Key returns the first job, stores nothing and holds nothing
        again. Raises InsufficientCredits (402) when the user cannot pay for the book,
        TooManyActiveJobs (429) when the user has as many jobs waiting or running as allowed,
        UnsupportedMediaType (415) for a file of no readable format and BadRequest when the
        book cannot be opened; nothing is stored then.
        """
        if idempotency_key is not None:
            existing = self._jobs.find_by_idempotency_key(idempotency_key)
            if existing is not None:
                return existing, False
        self._refuse_at_quota(lock=False)
        check_options_can_be_honoured(options)
        settings = self._state.settings
        storage = self._state.storage
        limits = ReadLimits(max_pages=settings.max_pdf_pages)
        with spooled_book(upload, settings.max_upload_bytes, limits) as book:
            characters = self._characters_to_price(book.path, password, limits)
            price = self._price(options.provider, characters)
            self._refuse_if_short(price)
            pdf_key = new_object_key("uploads", book.suffix)
            storage.put_file(pdf_key, book.path, book.media_type)
        try:
            self._refuse_at_quota(lock=True)
            job = self._jobs.create(
                original_filename=upload.filename or f"document{book.suffix}",
                pdf_key=pdf_key,
                options=options.model_dump(mode="json"),
                idempotency_key=idempotency_key,
                pdf_password_sealed=(
                    seal_pdf_password(settings, password) if password is not None else None
                ),
            )
            self._credits.reserve(job, options.provider, characters, price)
        except IdempotencyKeyInUse as raced:
            storage.delete(pdf_key)
            return raced.existing, False
        except BaseException:
            storage.delete(pdf_key)
            raise
        job_id = job.id
        # Enqueue only once the row is committed, so a worker always finds its job. The
        # password stays sealed on the row: no queue message carries it.
        self._work.after_commit(lambda: self._state.runner.submit(job_id, None))
        return job, True

    def _characters_to_price(self, book: Path, password: str | None, limits: ReadLimits) -> int:
        if not self._state.settings.credits_enabled:
            return 0
        try:
            return characters_to_price(book, password, limits)
        except PipelineError as error:
            raise BadRequest(error.public_message) from None

    def _price(self, provider: str, characters: int) -> int:
        if not self._state.settings.credits_enabled:
            return 0
        return self._credits.price(provider, characters)

    def _refuse_if_short(self, price: int) -> None:
        """Fail fast, before the upload is stored; `reserve` decides under the lock."""
        if price <= 0:
            return
        top_up_monthly_allowance(self._work.session, self._user.id, utc_now())
        available = CreditLedger(self._work.session).balance(self._user.id).available
        if available < price:
            raise InsufficientCredits(price, available)

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("No such job.")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel an active job and, after the commit, delete what it made so far (its
        audiobook, chapter audio and scratch files; the PDF stays for a retry).

        Raises NotFound, and Conflict when the job has finished, even at the last moment.
        """
        job = self.get(job_id)
        if job.status not in ACTIVE:
            raise Conflict(f"The job is {job.status.value.lower()} and cannot be cancelled.")
        # Captured first: cancelling clears the row's audio fields.
        outputs = JobFiles.outputs_of(job)
        if not self._jobs.cancel(job):
            # The runner finished it between our read and the compare-and-set.
            raise Conflict("The job finished before it could be cancelled.")
        self._work.after_commit(lambda: self._delete_files([outputs]))
        return job

    def retry(self, job_id: str) -> Job:
        """Run a failed or cancelled job again, holding its price anew.

        Raises Conflict for a job in another state, InsufficientCredits when the user can no
        longer pay for it, TooManyActiveJobs when the user has as many active jobs as allowed.
        """
        job = self.get(job_id)
        if job.status not in FINISHED_UNSUCCESSFULLY:
            raise Conflict(
                f"Only failed or cancelled jobs can be retried; this one is "
                f"{job.status.value.lower()}."
            )
        self._refuse_at_quota(lock=True)
        previous_run = job.billing_run
        self._jobs.reset_for_retry(job)
        provider = str(job.options.get("provider", "local"))
        characters = job.character_count or self._characters_held_before(job.id, previous_run)
        price = self._price(provider, characters)
        if price > 0:
            top_up_monthly_allowance(self._work.session, self._user.id, utc_now())
        self._credits.reserve(job, provider, characters, price)
        job_id = job.id
        self._work.after_commit(lambda: self._state.runner.submit(job_id, None))
        return job

    def _refuse_at_quota(self, *, lock: bool) -> None:
        """Raise TooManyActiveJobs when the user already has MAX_ACTIVE_JOBS_PER_USER jobs
        waiting or running.

        With `lock`, the count is taken under the user's ledger lock, held until commit, so
        of two submissions racing for the last place one waits for the other and then sees
        its job. Without it, a cheap early refusal before the PDF is read.
        """
        if lock:
            CreditLedger(self._work.session).lock(self._user.id)
        most = self._state.settings.max_active_jobs_per_user
        active = sum(self._jobs.list(status, 1, 0)[1] for status in ACTIVE)
        if active >= most:
            raise TooManyActiveJobs(
                f"You have {active} jobs waiting or running, the most this server allows at "
                "once; submit again when one of them ends, or cancel one."
            )

    def _characters_held_before(self, job_id: str, run: int) -> int:
        key = job_key(job_id, run, CreditKind.RESERVE)
        entries = CreditLedger(self._work.session).entries_for_job(job_id)
        return next((entry.characters or 0 for entry in entries if entry.key == key), 0)

    def delete(self, job_id: str) -> None:
        job = self.get(job_id)
        if job.status is JobStatus.PROCESSING:
            raise Conflict("The job is running: cancel it first.")
        files = JobFiles.of(job)
        self._jobs.delete(job)
        self._work.after_commit(lambda: self._delete_files([files]))

    def delete_with_status(self, status: JobStatus) -> int:
        if status in ACTIVE:
            raise Conflict("Only finished jobs can be deleted in bulk.")
        jobs = [JobFiles.of(job) for job in self._jobs.delete_by_status(status)]
        self._work.after_commit(lambda: self._delete_files(jobs))
        return len(jobs)

    def _delete_files(self, jobs: list[JobFiles]) -> None:
        # Failures are logged and never undo the committed change: a deleted job's leftovers
        # are swept as orphans, a cancelled job's go when it expires.
        cache = chunk_cache_for(self._state.settings)
        for files in jobs:
            files.delete(self._state.storage, cache)
