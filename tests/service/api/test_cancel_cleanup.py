"""Cancelling a job throws away what it made so far: its files, and its chapters' audio."""

from __future__ import annotations

from sqlalchemy import update

from pdf2audiobook.service.jobs.stages.repository import ChapterSpec, StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Chapter, Job, JobStage
from pdf2audiobook.service.state import ServiceState
from tests.conftest import SAMPLES
from tests.service.api.conftest import Api

SAMPLE = SAMPLES / "sample-book.pdf"


def _submit(api: Api, user: str) -> str:
    with SAMPLE.open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs", files={"file": ("book.pdf", handle)}, headers=api.headers(user)
        )
    job_id: str = response.json()["id"]
    return job_id


def _state(api: Api) -> ServiceState:
    state: ServiceState = api.app.state.service
    return state


def _in_progress(api: Api, job_id: str, *, with_book: bool = False) -> list[str]:
    """What a worker leaves half-way through a job: chapter 1 published, chapter 2 being
    read, scratch files, and (in an assembling stage) the book already stored. Returns the
    keys written."""
    state = _state(api)
    keys = [f"chapters/{job_id}/001.m4b", f"work/{job_id}/002/chunk-0001.wav"]
    if with_book:
        keys.append(f"audio/{job_id}.m4b")
    for key in keys:
        state.storage.put_stream(key, [b"partial audio"], "audio/mp4")
    with session_scope(state.sessions) as session:
        stages = StageRepository(session)
        claim = stages.claim_job(job_id, JobStage.EXTRACTING, "host:1:read", "read", 60, 4)
        assert isinstance(claim, Job)
        specs = [ChapterSpec(f"Chapter {n}", n, n, 100, 500) for n in (1, 2)]
        assert stages.start_synthesis(job_id, "host:1:read", specs) == [1, 2]
        for number in (1, 2):
            claimed = stages.claim_chapter(job_id, number, f"host:1:c{number}", f"c{number}", 60, 4)
            assert isinstance(claimed, Chapter)
        assert stages.finish_chapter(
            job_id,
            1,
            "host:1:c1",
            audio_key=keys[0],
            duration_seconds=3.0,
            provider="local",
            voice="heart",
        )
        if with_book:
            session.execute(
                update(Job).where(Job.id == job_id).values(audio_key=keys[2], audio_format="m4b")
            )
    return keys


def test_cancel_deletes_partial_files_and_the_chapter_audio_is_gone(api: Api) -> None:
    headers = api.headers(api.alice)
    job_id = _submit(api, api.alice)
    partial = _in_progress(api, job_id, with_book=True)
    chapter_audio = f"/api/v1/jobs/{job_id}/chapters/1/audio"
    assert api.client.get(chapter_audio, headers=headers).content == b"partial audio"

    cancelled = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    storage = _state(api).storage
    assert [key for key in partial if storage.exists(key)] == []
    assert api.client.get(chapter_audio, headers=headers).status_code == 404
    assert api.client.get(f"/api/v1/jobs/{job_id}/audio", headers=headers).status_code == 404
    chapters = api.client.get(f"/api/v1/jobs/{job_id}/chapters", headers=headers).json()
    assert [(c["status"], c["duration_seconds"]) for c in chapters] == [("pending", None)] * 2


def test_cancel_keeps_the_pdf_so_the_job_can_be_retried(api: Api) -> None:
    headers = api.headers(api.alice)
    job_id = _submit(api, api.alice)
    _in_progress(api, job_id)

    api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    retried = api.client.post(f"/api/v1/jobs/{job_id}/retry", headers=headers)

    assert retried.json()["status"] == "pending"
    with _state(api).sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert _state(api).storage.exists(job.pdf_key)


def test_cancel_leaves_other_jobs_files_alone(api: Api) -> None:
    job_id = _submit(api, api.alice)
    _in_progress(api, job_id)
    others = {user: _submit(api, user) for user in (api.alice, api.bob)}
    other_files = {job: _in_progress(api, job, with_book=True) for job in others.values()}

    api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(api.alice))

    storage = _state(api).storage
    assert all(storage.exists(key) for keys in other_files.values() for key in keys)
    for user, other in others.items():
        response = api.client.get(
            f"/api/v1/jobs/{other}/chapters/1/audio", headers=api.headers(user)
        )
        assert response.content == b"partial audio"


def test_cancelling_a_job_that_never_started_keeps_its_pdf(api: Api) -> None:
    headers = api.headers(api.alice)
    job_id = _submit(api, api.alice)

    cancelled = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)

    assert cancelled.json()["status"] == "cancelled"
    assert len(list(api.data_dir.rglob("*.pdf"))) == 1
