"""Assembly: join the chapter files into the book and complete the job."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pdf2audiobook.pipeline.audio import join_chapter_files
from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.service.jobs.lifecycle.keys import AUDIO_CONTENT_TYPES, audio_key_for
from pdf2audiobook.service.jobs.stages.base import (
    JobStopped,
    StageContext,
    TaskRun,
    claim_job_stage,
    guarded,
    job_lease_keeper,
    load_plan,
    release_job,
)
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import JobStage


def run_assemble(context: StageContext, job_id: str, run: TaskRun) -> None:
    """Join the chapter files into the book, record its cost and complete the job."""
    owner = run.owner
    with session_scope(context.sessions) as session:
        if claim_job_stage(session, context, job_id, JobStage.ASSEMBLING, run) is None:
            return
        chapters = [
            (row.number, row.title, row.audio_key, row.provider, row.characters)
            for row in StageRepository(session).chapters(job_id)
        ]

    def work() -> None:
        plan = load_plan(context, job_id)
        with tempfile.TemporaryDirectory(prefix="assemble-", dir=context.scratch_dir) as folder:
            parts: list[tuple[str, Path]] = []
            for number, title, audio_key, _provider, _characters in chapters:
                if audio_key is None:
                    raise JobStopped
                part = Path(folder) / f"{number:03d}.{plan.fmt}"
                context.storage.download_to(audio_key, part)
                parts.append((title, part))
            output = Path(folder) / f"book.{plan.fmt}"
            written = join_chapter_files(parts, plan.fmt, output, plan.tags, plan.cover_jpeg)
            key = audio_key_for(job_id, plan.fmt)
            context.storage.put_file(key, output, AUDIO_CONTENT_TYPES[plan.fmt])
        by_provider: dict[str, int] = {}
        for _number, _title, _key, provider, characters in chapters:
            name = provider or plan.voices[0].provider
            by_provider[name] = by_provider.get(name, 0) + characters
        with session_scope(context.sessions) as session:
            stages = StageRepository(session)
            stages.record_cost(
                job_id,
                owner,
                sum(by_provider.values()),
                sum(cost_of(provider, count) for provider, count in by_provider.items()),
                " ".join(plan.notes) or None,
            )
            completed = stages.complete(
                job_id,
                owner,
                audio_key=key,
                audio_format=plan.fmt,
                duration_seconds=written.duration_seconds,
            )
        # The plan stays with the job: deleting the job drops its chunks from the cache.
        if not completed:
            context.storage.delete(key)

    with job_lease_keeper(context, job_id, owner):
        guarded(context, job_id, owner, work, release=release_job)
