"""One book through Celery workers: one worker process, then two; prints the speed-up.

Run: uv run python bench/workers.py [PDF]

Default book: corpus 06 (R-intro, 113 pages). Each run starts a throwaway redis-server on
a free loopback port, a fresh PostgreSQL database (127.0.0.1:5432; SQLite when it does
not answer), an empty data folder (so nothing comes from the chunk cache) and its own
`pdf2audiobook worker` processes with one pool process each, like workers on separate
machines. Times are measured from sending the job (once every worker answers a ping) to
the database showing it completed: reading, the first finished chapter, all chapters,
and the assembled book. Last, the machine's own ceiling for comparison: the bare voice on
the book's first chunks in one process, then in two at once (`--ceiling-only` for just that).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.service.worker.processes import CeleryProcess, RedisServer

from pdf2audiobook.pipeline.convert import ConvertOptions, extract_plan
from pdf2audiobook.pipeline.voices import get_provider
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import (
    create_engine_for,
    migrate,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import ChapterStatus, Job, JobStage, JobStatus
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.worker.app import create_celery
from pdf2audiobook.service.worker.enqueue import CeleryEnqueuer

DEFAULT_BOOK = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "06-manual-r-intro.pdf"
POLL_SECONDS = 0.2
RUN_LIMIT_SECONDS = 3600.0
ENGINE_CHUNKS = 60


@dataclass
class Timings:
    workers: int
    read: float
    first_chapter: float
    chapters_done: float
    completed: float
    chapters: int
    audio_seconds: float
    cpu_seconds: float = 0.0
    """CPU time of the worker processes (and of Redis), counted once they have exited."""


@contextmanager
def _database() -> Iterator[str]:
    try:
        from tests.service.conftest import throwaway_postgres_database

        with throwaway_postgres_database() as url:
            yield url
    except BaseException as error:  # pytest.skip when PostgreSQL does not answer
        if type(error).__name__ != "Skipped":
            raise
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(pdf: Path, workers: int) -> Timings:
    cpu_before = _children_cpu_seconds()
    timings = _run_book(pdf, workers)
    timings.cpu_seconds = _children_cpu_seconds() - cpu_before
    return timings


def _run_book(pdf: Path, workers: int) -> Timings:
    with tempfile.TemporaryDirectory() as scratch, _database() as database_url:
        folder = Path(scratch)
        migrate(database_url)
        redis_server = RedisServer(folder / "redis")
        redis_server.start()
        settings = Settings(
            _env_file=None,
            environment="test",
            secret_key="bench-secret",
            data_dir=folder / "data",
            database_url=database_url,
            redis_url=redis_server.url,
        )
        environment = {
            "ENVIRONMENT": "test",
            "SECRET_KEY": "bench-secret",
            "DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
        }
        processes = [
            CeleryProcess(
                ["worker", "--concurrency=1", f"--hostname=bench{n}@%h", "--loglevel=warning"],
                environment,
                folder / f"worker{n}.log",
            )
            for n in range(workers)
        ]
        engine = create_engine_for(database_url, pool_size=2, max_overflow=0)
        sessions = session_factory(engine)
        try:
            for process in processes:
                process.start()
            _wait_until_ready(settings, workers)
            job_id = _submit(settings, sessions, pdf)
            return _watch(job_id, sessions, workers, time.monotonic())
        finally:
            for process in processes:
                process.stop()
            redis_server.kill()
            engine.dispose()


def _wait_until_ready(settings: Settings, workers: int) -> None:
    """Time the book, not the workers' start: wait until every worker answers a ping."""
    app = create_celery(settings)
    try:
        deadline = time.monotonic() + RUN_LIMIT_SECONDS
        while len(app.control.ping(timeout=1.0) or []) < workers:
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start")
    finally:
        app.close()


def _submit(settings: Settings, factory: sessionmaker[Session], pdf: Path) -> str:
    key = f"uploads/{uuid.uuid4().hex}.pdf"
    storage_from_settings(settings).put_file(key, pdf, "application/pdf")
    with session_scope(factory) as session:
        user = UserRepository(session).get_or_create_by_external_id("bench", None)
        job_id = (
            JobRepository(session, user.id)
            .create(original_filename=pdf.name, pdf_key=key, options={})
            .id
        )
    app = create_celery(settings)
    try:
        CeleryEnqueuer(app, settings).extract(job_id, None)
    finally:
        app.close()
    return job_id


def _watch(job_id: str, factory: sessionmaker[Session], workers: int, started: float) -> Timings:
    read = first = all_done = 0.0
    while time.monotonic() - started < RUN_LIMIT_SECONDS:
        with session_scope(factory) as session:
            job = session.get(Job, job_id)
            assert job is not None
            chapters = StageRepository(session).chapters(job_id)
            now = time.monotonic() - started
            if not read and job.stage is not None and job.stage is not JobStage.EXTRACTING:
                read = now
            done = [row for row in chapters if row.status is ChapterStatus.DONE]
            if done and not first:
                first = now
            if chapters and len(done) == len(chapters) and not all_done:
                all_done = now
            if job.status is JobStatus.COMPLETED:
                return Timings(
                    workers,
                    read,
                    first,
                    all_done or now,
                    now,
                    len(chapters),
                    job.duration_seconds or 0.0,
                )
            if job.status is not JobStatus.PROCESSING and job.status is not JobStatus.PENDING:
                raise SystemExit(f"the job ended {job.status.value}: {job.error_message}")
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"the job did not finish within {RUN_LIMIT_SECONDS:.0f} s")


_start_together: Any = None


def _join_barrier(barrier: Any) -> None:
    global _start_together
    _start_together = barrier


def _speak(texts: list[str]) -> float:
    """Seconds the bare local voice takes for `texts` in this process, after a warm-up,
    started at the same moment as the other processes of the pool."""
    provider = get_provider("local")
    voice = provider.resolve_voice(None, None)
    provider.text_to_audio("Warm up.", voice, 1.0)
    _start_together.wait()
    started = time.monotonic()
    for text in texts:
        provider.text_to_audio(text, voice, 1.0)
    return time.monotonic() - started


def _engine_scaling(pdf: Path, chunks: int) -> float:
    """The machine's own ceiling for two processes: the bare voice on the same chunks in
    one process, then in two processes at once (each doing the full set)."""
    _, plan = extract_plan(pdf, ConvertOptions())
    texts = [chunk.text for chapter in plan.chapters for chunk in chapter.chunks][:chunks]
    context = multiprocessing.get_context("spawn")
    timings: dict[int, float] = {}
    for processes in (1, 2):
        barrier = context.Barrier(processes)
        with context.Pool(processes, initializer=_join_barrier, initargs=(barrier,)) as pool:
            timings[processes] = max(pool.map(_speak, [texts] * processes))
    return 2 * timings[1] / timings[2]


def _report(timings: Timings) -> None:
    speed = timings.audio_seconds / timings.completed
    print(
        f"{timings.workers} worker process(es): {timings.completed:7.1f} s  "
        f"({speed:5.1f}x realtime; read {timings.read:.1f} s, first chapter "
        f"{timings.first_chapter:.1f} s, all chapters {timings.chapters_done:.1f} s)"
    )
    busy = timings.cpu_seconds / (timings.completed * timings.workers)
    print(
        f"    CPU {timings.cpu_seconds:.0f} core-s "
        f"({timings.cpu_seconds / (timings.audio_seconds / 3600):.0f} per audio hour; "
        f"{busy:.0%} of {timings.workers} core(s) busy)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("pdf", type=Path, nargs="?", default=DEFAULT_BOOK)
    parser.add_argument("--most", type=int, default=2, help="largest number of workers")
    parser.add_argument(
        "--ceiling-only", action="store_true", help="only measure the machine's own ceiling"
    )
    args = parser.parse_args()
    if args.ceiling_only:
        print(f"machine ceiling: {_engine_scaling(args.pdf, ENGINE_CHUNKS):.2f}x with 2 processes")
        return
    runs = [_run(args.pdf, workers) for workers in range(1, args.most + 1)]
    print(
        f"book: {args.pdf.name}, {runs[0].chapters} chapters, "
        f"{runs[0].audio_seconds / 3600:.2f} h of audio"
    )
    for timings in runs:
        _report(timings)
    for timings in runs[1:]:
        print(f"speed-up with {timings.workers}: {runs[0].completed / timings.completed:.2f}x")
    if args.most >= 2:
        scaling = _engine_scaling(args.pdf, ENGINE_CHUNKS)
        print(
            f"machine ceiling: the bare voice in 2 processes at once does {scaling:.2f}x "
            f"the work of 1 ({ENGINE_CHUNKS} chunks each)"
        )


if __name__ == "__main__":
    main()
