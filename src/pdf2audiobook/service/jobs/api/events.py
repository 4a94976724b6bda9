"""A job's progress as server-sent events, for `GET /jobs/{id}/events`.

The stream polls the database, each time in a fresh short session, so an open stream holds
no connection between polls. It sends a `progress` event at once and then whenever what it
shows changes, a comment line when it has been quiet for a while (so proxies keep the
connection open), and an `end` event once the job has finished, after which it closes. A
stream also closes after `MAX_STREAM_SECONDS`; an EventSource reconnects by itself and is
sent the current state at once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from pdf2audiobook.service.jobs.api.eta import (
    ProgressSample,
    elapsed_seconds,
    eta_seconds,
    with_sample,
)
from pdf2audiobook.service.jobs.api.schemas import ChapterProgressOut, JobEndEvent, JobProgressEvent
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.kit.errors import NotFound, ServiceError
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import ChapterStatus, JobStage, JobStatus, utc_now
from pdf2audiobook.service.users.repository import UserRepository

POLL_SECONDS = 1.0
KEEP_ALIVE_SECONDS = 15.0
MAX_STREAM_SECONDS = 3600.0
FINISHED = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
EVENT_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
KEEP_ALIVE = ": keep-alive\n\n"


@dataclass(frozen=True, slots=True)
class EventTiming:
    """When a stream polls, keeps the connection alive and gives up (seconds), and the clock
    that dates progress samples and elapsed time."""

    poll_seconds: float = POLL_SECONDS
    keep_alive_seconds: float = KEEP_ALIVE_SECONDS
    max_stream_seconds: float = MAX_STREAM_SECONDS
    clock: Callable[[], datetime] = utc_now


def event_timing() -> EventTiming:
    """The stream's timing: a dependency, so tests can poll fast and set the clock."""
    return EventTiming()


EventTimingDep = Annotated[EventTiming, Depends(event_timing)]
STREAM_RETRY_AFTER_SECONDS = 30


class TooManyStreams(ServiceError):
    status_code = 429
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": str(STREAM_RETRY_AFTER_SECONDS)}


class StreamSlots:
    """How many streams each user has open in this process, at most `per_user` each."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def open_for(self, owner_id: str) -> int:
        with self._lock:
            return self._open[owner_id]

    def take(self, owner_id: str) -> Callable[[], None]:
        """A slot for one more of `owner_id`'s streams, and the call that gives it back
        (once, however often it is called). Raises TooManyStreams when all are taken."""
        with self._lock:
            if self._open[owner_id] >= self.per_user:
                raise TooManyStreams(
                    f"At most {self.per_user} progress streams may be open at once; "
                    "close one, or poll the job's status instead."
                )
            self._open[owner_id] += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            with self._lock:
                if given_back:
                    return
                given_back = True
                self._open[owner_id] -= 1
                if self._open[owner_id] <= 0:
                    del self._open[owner_id]

        return give_back


async def event_stream_slots(request: Request) -> StreamSlots:
    """The app's stream counts, made on first use (on the event loop, so only once)."""
    slots: StreamSlots | None = getattr(request.app.state, "event_stream_slots", None)
    if slots is None:
        settings: Settings = request.app.state.service.settings
        slots = StreamSlots(settings.max_event_streams_per_user)
        request.app.state.event_stream_slots = slots
    return slots


StreamSlotsDep = Annotated[StreamSlots, Depends(event_stream_slots)]


@dataclass(frozen=True, slots=True)
class JobState:
    """What a stream shows of a job, copied out of its session."""

    status: JobStatus
    stage: JobStage | None
    progress: int
    chapters: tuple[ChapterProgressOut, ...]
    started_at: datetime | None
    finished_at: datetime | None
    error_code: str | None
    error_message: str | None


def read_job_state(session: Session, owner_id: str, job_id: str) -> JobState | None:
    """The owner's job as a stream shows it; None when it is missing or someone else's."""
    jobs = JobRepository(session, owner_id)
    job = jobs.get(job_id)
    if job is None:
        return None
    return JobState(
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        chapters=tuple(ChapterProgressOut.model_validate(c) for c in jobs.chapters(job_id)),
        started_at=job.started_at,
        finished_at=job.finished_at,
        error_code=job.error_code,
        error_message=job.error_message,
    )


def _poll(sessions: sessionmaker[Session], owner_id: str, job_id: str) -> JobState | None:
    with sessions() as session:
        return read_job_state(session, owner_id, job_id)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def progress_event(
    state: JobState, samples: tuple[ProgressSample, ...], now: datetime
) -> JobProgressEvent:
    """The `progress` event for `state`, with the ETA measured from `samples`."""
    return JobProgressEvent(
        status=state.status,
        stage=state.stage,
        progress=state.progress,
        chapters_done=sum(c.status is ChapterStatus.DONE for c in state.chapters),
        chapters_total=len(state.chapters),
        chapters=list(state.chapters),
        eta_seconds=(
            _rounded(eta_seconds(samples)) if state.status is JobStatus.PROCESSING else None
        ),
        elapsed_seconds=_rounded(elapsed_seconds(state.started_at, state.finished_at, now)),
    )


def server_sent_event(event_id: int, name: str, data: BaseModel) -> str:
    # Compact JSON has no line breaks, so the data fits on one `data:` line.
    return f"id: {event_id}\nevent: {name}\ndata: {data.model_dump_json()}\n\n"


def _what_changes(event: JobProgressEvent) -> dict[str, Any]:
    # Elapsed time moves on every poll; sent for every change, it is not one itself.
    return event.model_dump(exclude={"elapsed_seconds"})


async def job_events(
    request: Request,
    sessions: sessionmaker[Session],
    owner_id: str,
    job_id: str,
    first: JobState,
    timing: EventTiming,
) -> AsyncIterator[str]:
    """The stream's text, starting from `first`, until the job finishes or is deleted, the
    client leaves, or the stream has lived `timing.max_stream_seconds`."""
    opened = last_sent = anyio.current_time()
    samples: tuple[ProgressSample, ...] = ()
    shown: dict[str, Any] | None = None
    event_id = 0
    state: JobState | None = first
    while state is not None:
        now = timing.clock()
        samples = with_sample(samples, ProgressSample(now, state.progress))
        event = progress_event(state, samples, now)
        if (changes := _what_changes(event)) != shown:
            event_id += 1
            yield server_sent_event(event_id, "progress", event)
            shown, last_sent = changes, anyio.current_time()
        elif anyio.current_time() - last_sent >= timing.keep_alive_seconds:
            yield KEEP_ALIVE
            last_sent = anyio.current_time()
        if state.status in FINISHED:
            end = JobEndEvent(
                status=state.status,
                error_code=state.error_code,
                error_message=state.error_message,
            )
            yield server_sent_event(event_id + 1, "end", end)
            return
        if anyio.current_time() - opened >= timing.max_stream_seconds:
            return
        await anyio.sleep(timing.poll_seconds)
        if await request.is_disconnected():
            return
        state = await anyio.to_thread.run_sync(_poll, sessions, owner_id, job_id)
    # The job was deleted: the stream just ends, and a reconnection is told 404.


async def _giving_back(
    events: AsyncIterator[str], give_back: Callable[[], None]
) -> AsyncIterator[str]:
    try:
        async for text in events:
            yield text
    finally:
        give_back()


def job_event_stream(
    request: Request,
    sessions: sessionmaker[Session],
    subject: str,
    job_id: str,
    timing: EventTiming,
    slots: StreamSlots,
) -> StreamingResponse:
    """The event stream of the job `job_id` of the user the identity provider knows as
    `subject`.

    Raises NotFound, with the body `GET /jobs/{id}` gives, for a job that is missing or
    someone else's, and TooManyStreams when the owner has all their streams open. Reads
    only: a caller with no user row yet owns no job.
    """
    with sessions() as session:
        owner = UserRepository(session).get_by_external_id(subject)
        owner_id = owner.id if owner is not None else None
        first = read_job_state(session, owner_id, job_id) if owner_id is not None else None
    if owner_id is None or first is None:
        raise NotFound("No such job.")
    give_back = slots.take(owner_id)
    # Given back when the stream ends, and by the background task in case a client left
    # before the stream started (a generator never started runs no `finally`).
    return StreamingResponse(
        _giving_back(job_events(request, sessions, owner_id, job_id, first, timing), give_back),
        media_type="text/event-stream",
        headers=EVENT_STREAM_HEADERS,
        background=BackgroundTask(give_back),
    )
