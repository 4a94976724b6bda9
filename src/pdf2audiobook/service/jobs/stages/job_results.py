"""What the stages record on a job they hold: what extraction found, what it cost, its audio.

Every write names the lease owner and returns False once the lease is lost (the job was
cancelled, deleted, or taken over after the lease expired): the stage must then stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, update

from pdf2audiobook.pipeline import document
from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.jobs.stages.lease_conditions import RepositoryBase, job_leased_to
from pdf2audiobook.service.models import Job, JobStatus, RemovedBlock


class JobResults(RepositoryBase):
    def record_book(
        self,
        job_id: str,
        owner: str,
        *,
        title: str | None,
        author: str | None,
        page_count: int,
        character_count: int,
    ) -> bool:
        """Record what extraction found, shown while the audio is still being made."""
        return self._update_leased(
            job_id,
            owner,
            title=title,
            author=author,
            page_count=page_count,
            character_count=character_count,
        )

    def replace_removed(self, job_id: str, blocks: Sequence[document.RemovedBlock]) -> None:
        """Store the extraction's removal ledger, replacing any from an earlier attempt."""
        self._session.execute(delete(RemovedBlock).where(RemovedBlock.job_id == job_id))
        if blocks:
            self._session.execute(
                insert(RemovedBlock),
                [
                    {
                        "job_id": job_id,
                        "page": block.page,
                        "reason": block.reason.value,
                        "text": block.text,
                    }
                    for block in blocks
                ],
            )

    def record_cost(
        self, job_id: str, owner: str, characters_sent: int, cost_usd: float, notes: str | None
    ) -> bool:
        """What the job sent to voice providers, what that cost, and notes for the user."""
        return self._update_leased(
            job_id, owner, characters_sent=characters_sent, cost_usd=cost_usd, notes=notes
        )

    def complete(
        self,
        job_id: str,
        owner: str,
        *,
        audio_key: str,
        audio_format: str,
        duration_seconds: float,
    ) -> bool:
        """Mark the job COMPLETED with its audio, release the lease and spend the credits it
        used. False if the lease was lost, in which case the audio at `audio_key` is not the
        job's."""
        completed = self._update_leased(
            job_id,
            owner,
            status=JobStatus.COMPLETED,
            progress=100,
            audio_key=audio_key,
            audio_format=audio_format,
            duration_seconds=duration_seconds,
            error_code=None,
            error_message=None,
            finished_at=self._clock(),
            lease_owner=None,
            lease_expires_at=None,
            stage=None,
            # Done with the file: its password need not be kept any longer.
            pdf_password_sealed=None,
        )
        if completed:
            JobCredits(self._session).settle_completed(job_id)
        return completed

    def _update_leased(self, job_id: str, owner: str, **values: Any) -> bool:
        statement = (
            update(Job)
            .where(job_leased_to(job_id, owner))
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session="fetch")
        )
        return self._session.execute(statement).first() is not None
