"""`GET /api/v1/jobs/{id}/events`: a job's progress as server-sent events.

The tests move the job by writing its row, as a runner would, between reads of the stream.
The stream polls every few milliseconds and lives ten seconds at most, so a missing event
fails a test in seconds instead of hanging it; progress times come from a fake clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from pdf2audiobook.service.jobs.api.events import EventTiming, event_timing
from pdf2audiobook.service.models import Chapter, ChapterStatus, Job
from tests.conftest import SAMPLES
from tests.service.api.conftest import Api
from tests.service.data.clock import FakeClock

EVENTS = "/api/v1/jobs/{}/events"
MAX_BLOCKS = 50
"""Comment blocks read past while waiting for one event, so a read loop always ends."""


@dataclass(frozen=True)
class ServerSentEvent:
    id: int
    name: str
    data: dict[str, Any]


class EventReader:
    """Reads a stream one blank-line-separated block at a time."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def block(self) -> list[str] | None:
        """The next block's lines; None once the stream has closed."""
        lines: list[str] = []
        for line in self._lines:
            if not line:
                return lines
            lines.append(line)
        return lines or None

    def event(self) -> ServerSentEvent | None:
        """The next event, past any comments; None once the stream has closed."""
        for _ in range(MAX_BLOCKS):
            block = self.block()
            if block is None:
                return None
            fields = dict(line.split(": ", 1) for line in block if not line.startswith(":"))
            if fields:
                return ServerSentEvent(
                    int(fields["id"]), fields["event"], json.loads(fields["data"])
                )
        raise AssertionError(f"no event in {MAX_BLOCKS} blocks")

    def next_event(self) -> ServerSentEvent:
        event = self.event()
        assert event is not None, "the stream closed"
        return event


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def use_timing(api: Api, clock: FakeClock, **overrides: float) -> None:
    values: dict[str, float] = {
        "poll_seconds": 0.005,
        "keep_alive_seconds": 60.0,
        "max_stream_seconds": 10.0,
        **overrides,
    }
    timing = EventTiming(clock=clock, **values)
    api.app.dependency_overrides[event_timing] = lambda: timing


@pytest.fixture
def fast_stream(api: Api, clock: FakeClock) -> None:
    use_timing(api, clock)


def submit(api: Api) -> str:
    with (SAMPLES / "sample-book.pdf").open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs", files={"file": ("book.pdf", handle)}, headers=api.headers(api.alice)
        )
    job_id: str = response.json()["id"]
    return job_id


def set_job(session: Session, job_id: str, **values: Any) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(**values))
    session.commit()


def add_chapters(session: Session, job_id: str, *states: tuple[ChapterStatus, int]) -> None:
    session.add_all(
        Chapter(
            job_id=job_id,
            number=number,
            title=f"Chapter {number}",
            start_page=number,
            end_page=number,
            word_count=100,
            characters=600,
            status=status,
            progress=progress,
        )
        for number, (status, progress) in enumerate(states, start=1)
    )
    session.commit()


@contextmanager
def watching(api: Api, job_id: str) -> Iterator[tuple[Mapping[str, str], EventReader]]:
    """The response headers and a reader of alice's event stream for `job_id`."""
    url = EVENTS.format(job_id)
    with api.client.stream("GET", url, headers=api.headers(api.alice)) as response:
        assert response.status_code == 200
        yield response.headers, EventReader(response.iter_lines())


@pytest.mark.usefixtures("fast_stream")
def test_first_event_shows_the_job_as_it_is_on_connect(
    api: Api, session: Session, clock: FakeClock
) -> None:
    job_id = submit(api)
    set_job(
        session,
        job_id,
        status="processing",
        stage="synthesising",
        progress=45,
        started_at=clock.now - timedelta(seconds=30),
    )
    add_chapters(
        session,
        job_id,
        (ChapterStatus.DONE, 0),
        (ChapterStatus.SYNTHESISING, 50),
        (ChapterStatus.PENDING, 0),
    )

    with watching(api, job_id) as (headers, events):
        first = events.next_event()

    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert (first.id, first.name) == (1, "progress")
    assert first.data == {
        "status": "processing",
        "stage": "synthesising",
        "progress": 45,
        "chapters_done": 1,
        "chapters_total": 3,
        "chapters": [
            {"number": 1, "status": "done", "progress": 100},
            {"number": 2, "status": "synthesising", "progress": 50},
            {"number": 3, "status": "pending", "progress": 0},
        ],
        "eta_seconds": None,
        "elapsed_seconds": 30.0,
    }


@pytest.mark.usefixtures("fast_stream")
def test_a_change_in_the_job_is_sent_as_a_new_event(
    api: Api, session: Session, clock: FakeClock
) -> None:
    job_id = submit(api)

    with watching(api, job_id) as (_, events):
        waiting = events.next_event()
        # Started two seconds ago, in one change: the stream may look at any moment.
        two_seconds_ago = clock.now - timedelta(seconds=2)
        set_job(session, job_id, status="processing", progress=5, started_at=two_seconds_ago)
        started = events.next_event()
        add_chapters(session, job_id, (ChapterStatus.SYNTHESISING, 10))
        chapter_began = events.next_event()

    assert waiting.data["status"] == "pending"
    assert waiting.data["elapsed_seconds"] is None
    assert (started.id, started.name) == (2, "progress")
    assert started.data["status"] == "processing"
    assert started.data["progress"] == 5
    assert started.data["elapsed_seconds"] == 2.0
    assert chapter_began.id == 3
    assert chapter_began.data["chapters"] == [
        {"number": 1, "status": "synthesising", "progress": 10}
    ]
    assert (chapter_began.data["chapters_done"], chapter_began.data["chapters_total"]) == (0, 1)


def test_a_quiet_stream_sends_keep_alive_comments(api: Api, clock: FakeClock) -> None:
    use_timing(api, clock, keep_alive_seconds=0.0)
    job_id = submit(api)

    with watching(api, job_id) as (_, events):
        events.next_event()
        quiet = [events.block() for _ in range(3)]

    assert quiet == [[": keep-alive"]] * 3


@pytest.mark.usefixtures("fast_stream")
def test_eta_is_measured_from_the_synthesis_speed(
    api: Api, session: Session, clock: FakeClock
) -> None:
    job_id = submit(api)
    set_job(session, job_id, status="processing", progress=35, started_at=clock.now)

    with watching(api, job_id) as (_, events):
        preparing = events.next_event()
        clock.advance(60)
        set_job(session, job_id, progress=40)
        entered_synthesis = events.next_event()
        clock.advance(100)
        set_job(session, job_id, progress=51)
        measured = events.next_event()
        clock.advance(100)
        set_job(session, job_id, progress=62)
        remeasured = events.next_event()

    assert preparing.data["eta_seconds"] is None
    assert entered_synthesis.data["eta_seconds"] is None
    # 11 points per 100 s, 44 points to go.
    assert measured.data["eta_seconds"] == 400.0
    assert measured.data["elapsed_seconds"] == 160.0
    # 22 points in 200 s: the same speed, 33 points to go.
    assert remeasured.data["eta_seconds"] == 300.0


@pytest.mark.usefixtures("fast_stream")
@pytest.mark.parametrize(
    ("finish", "end"),
    [
        (
            {"status": "completed", "progress": 100},
            {"status": "completed", "error_code": None, "error_message": None},
        ),
        (
            {"status": "failed", "error_code": "PDF_ENCRYPTED", "error_message": "Locked."},
            {"status": "failed", "error_code": "PDF_ENCRYPTED", "error_message": "Locked."},
        ),
        (
            {"status": "cancelled"},
            {"status": "cancelled", "error_code": None, "error_message": None},
        ),
    ],
    ids=["completed", "failed", "cancelled"],
)
def test_a_finished_job_sends_end_with_its_outcome_and_closes(
    api: Api, session: Session, clock: FakeClock, finish: dict[str, Any], end: dict[str, Any]
) -> None:
    job_id = submit(api)
    set_job(session, job_id, status="processing", progress=60, started_at=clock.now)

    with watching(api, job_id) as (_, events):
        events.next_event()
        set_job(session, job_id, finished_at=clock.now + timedelta(seconds=90), **finish)
        last_progress = events.next_event()
        ending = events.next_event()
        after_end = events.event()

    assert last_progress.data["status"] == finish["status"]
    assert last_progress.data["eta_seconds"] is None
    assert last_progress.data["elapsed_seconds"] == 90.0
    assert (ending.id, ending.name, ending.data) == (3, "end", end)
    assert after_end is None


@pytest.mark.usefixtures("fast_stream")
def test_a_job_finished_before_connecting_ends_at_once(api: Api, session: Session) -> None:
    job_id = submit(api)
    set_job(session, job_id, status="completed", progress=100)

    with watching(api, job_id) as (_, events):
        received = [events.event(), events.event(), events.event()]

    assert [(e.id, e.name) if e else None for e in received] == [
        (1, "progress"),
        (2, "end"),
        None,
    ]


@pytest.mark.usefixtures("fast_stream")
def test_a_deleted_job_closes_the_stream_without_end(api: Api) -> None:
    job_id = submit(api)

    with watching(api, job_id) as (_, events):
        events.next_event()
        deleted = api.client.delete(f"/api/v1/jobs/{job_id}", headers=api.headers(api.alice))
        after_delete = events.event()

    assert deleted.status_code == 204
    assert after_delete is None


def test_a_stream_closes_after_its_longest_life(api: Api, clock: FakeClock) -> None:
    use_timing(api, clock, max_stream_seconds=0.0)
    job_id = submit(api)

    with watching(api, job_id) as (_, events):
        received = [events.event(), events.event()]

    assert [(e.id, e.name) if e else None for e in received] == [(1, "progress"), None]


def test_no_database_connection_is_held_between_polls(api: Api, clock: FakeClock) -> None:
    use_timing(api, clock, poll_seconds=60.0)
    job_id = submit(api)
    engine = api.app.state.service.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    assert isinstance(engine.pool, QueuePool)

    with watching(api, job_id) as (_, events):
        events.next_event()
        # The stream now waits a minute for its next poll.
        checked_out = engine.pool.checkedout()

    assert checked_out == 0


def test_another_users_job_is_the_same_404_as_a_missing_one(api: Api) -> None:
    job_id = submit(api)

    foreign = api.client.get(EVENTS.format(job_id), headers=api.headers(api.bob))
    missing = api.client.get(EVENTS.format("0" * 36), headers=api.headers(api.alice))
    missing_job = api.client.get(f"/api/v1/jobs/{'0' * 36}", headers=api.headers(api.alice))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == missing_job.json()


def test_without_a_token_is_401(api: Api) -> None:
    job_id = submit(api)

    response = api.client.get(EVENTS.format(job_id))

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_job_shows_its_stage_and_chapters_their_progress(api: Api, session: Session) -> None:
    job_id = submit(api)
    set_job(session, job_id, status="processing", stage="synthesising", progress=50)
    add_chapters(session, job_id, (ChapterStatus.SYNTHESISING, 25), (ChapterStatus.DONE, 0))
    headers = api.headers(api.alice)

    job = api.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    chapters = api.client.get(f"/api/v1/jobs/{job_id}/chapters", headers=headers).json()

    assert job["stage"] == "synthesising"
    assert [(c["status"], c["progress"]) for c in chapters] == [
        ("synthesising", 25),
        ("done", 100),
    ]
