"""One chapter spoken into its own file; the last chapter done starts the assembly."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from pdf2audiobook.pipeline.narration import OutputSpec, narrate_chapter
from pdf2audiobook.service.jobs.lifecycle.files import chunk_cache_for
from pdf2audiobook.service.jobs.lifecycle.keys import AUDIO_CONTENT_TYPES, chapter_audio_key_for
from pdf2audiobook.service.jobs.stages.base import (
    PROGRESS_WRITE_SECONDS,
    Enqueuer,
    JobStopped,
    StageContext,
    TaskRun,
    chapter_releaser,
    give_up,
    guarded,
    load_plan,
)
from pdf2audiobook.service.jobs.stages.lease_keeper import LeaseKeeper
from pdf2audiobook.service.jobs.stages.repository import (
    ClaimRefused,
    StageRepository,
)
from pdf2audiobook.service.kit.db import session_scope


def run_synthesise(
    context: StageContext, job_id: str, number: int, run: TaskRun, enqueue: Enqueuer
) -> None:
    """Speak chapter `number` into its own file; the last chapter done starts assembly."""
    settings = context.settings
    owner = run.owner
    with session_scope(context.sessions) as session:
        claim = StageRepository(session).claim_chapter(
            job_id,
            number,
            owner,
            run.task_id,
            settings.job_lease_seconds,
            settings.job_max_attempts,
        )
        if isinstance(claim, ClaimRefused):
            if claim.exhausted:
                give_up(session, job_id, settings.job_max_attempts)
            return

    def renew() -> bool:
        with session_scope(context.sessions) as session:
            return StageRepository(session).heartbeat_chapter(
                job_id, number, owner, settings.job_lease_seconds
            )

    with LeaseKeeper(renew, settings.job_lease_seconds / 4) as keeper:
        last_write = 0.0

        def on_progress(done: int, total: int) -> None:
            nonlocal last_write
            if keeper.lost.is_set():
                raise JobStopped
            now = time.monotonic()
            if now - last_write < PROGRESS_WRITE_SECONDS:
                return
            last_write = now
            percent = 100 * done // total if total else 100
            with session_scope(context.sessions) as session:
                if not StageRepository(session).chapter_progress(job_id, number, owner, percent):
                    raise JobStopped

        def work() -> bool:
            plan = load_plan(context, job_id)
            with tempfile.TemporaryDirectory(
                prefix="synthesise-", dir=context.scratch_dir
            ) as folder:
                title = plan.chapters[number - 1].title
                spoken = narrate_chapter(
                    plan.chapters,
                    number,
                    plan.voices,
                    OutputSpec(
                        path=Path(folder) / f"chapter.{plan.fmt}",
                        fmt=plan.fmt,
                        tags=replace(plan.tags, title=f"{plan.tags.title}: {title}"),
                        cover_jpeg=plan.cover_jpeg,
                    ),
                    cache=chunk_cache_for(settings),
                    on_progress=on_progress,
                )
                key = chapter_audio_key_for(job_id, number, plan.fmt)
                context.storage.put_file(key, spoken.path, AUDIO_CONTENT_TYPES[plan.fmt])
            with session_scope(context.sessions) as session:
                stages = StageRepository(session)
                finished = stages.finish_chapter(
                    job_id,
                    number,
                    owner,
                    audio_key=key,
                    duration_seconds=spoken.duration_seconds,
                    provider=spoken.voice.provider,
                    voice=spoken.voice.voice,
                )
                job_running = stages.is_processing(job_id)
                assemble = finished and stages.start_assembly(job_id)
            if not job_running:
                # Cancelled or deleted while this chapter was being uploaded.
                context.storage.delete(key)
            return assemble

        assemble = guarded(context, job_id, owner, work, release=chapter_releaser(number))
    if assemble:
        enqueue.assemble(job_id, None)
