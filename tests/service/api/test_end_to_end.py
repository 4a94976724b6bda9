"""Through the API with the real embedded runner: upload, convert, download, read back.

The service's chunk cache is the session's `sample_chunk_cache`: the sample book's chunks
were spoken by the real local voice once for the session, so here it is read, planned,
narrated from those chunks, encoded and assembled without being synthesised again.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.pipeline.voices import tone
from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.runners.embedded import EmbeddedRunner
from pdf2audiobook.service.kit.db import create_engine_from_settings, session_factory
from tests.conftest import SAMPLES, corpus_file
from tests.service.api.conftest import ALICE, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token

JOB_TIMEOUT = 600.0


@dataclass
class LiveApi:
    client: TestClient
    runner: EmbeddedRunner
    headers: dict[str, str]

    def submit(self, path: Path, **form: str) -> str:
        with path.open("rb") as handle:
            response = self.client.post(
                "/api/v1/jobs",
                files={"file": (path.name, handle)},
                data=form,
                headers=self.headers,
            )
        assert response.status_code == 201, response.text
        job_id: str = response.json()["id"]
        # The runner's own handle on the work: no polling, no sleeping.
        assert self.runner.wait_idle(JOB_TIMEOUT)
        return job_id


def with_shared_cache(data_dir: Path, cache: Path) -> Path:
    """`data_dir`, created, its chunk cache (`data_dir / "cache"`) a link to `cache`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "cache").symlink_to(cache, target_is_directory=True)
    return data_dir


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
    signing_key: rsa.RSAPrivateKey,
    sample_chunk_cache: Path,
) -> Iterator[LiveApi]:
    data_dir = with_shared_cache(tmp_path_factory.mktemp("live"), sample_chunk_cache)
    settings = api_settings(data_dir, signing_key)
    runner = EmbeddedRunner(settings, session_factory(create_engine_from_settings(settings)))
    with TestClient(create_app(settings, runner=runner)) as client:
        token = rs256_token(signing_key, kid=None, sub=ALICE)
        yield LiveApi(client, runner, {"Authorization": f"Bearer {token}"})


def test_sample_pdf_becomes_a_downloadable_chaptered_audiobook(live: LiveApi) -> None:
    job_id = live.submit(SAMPLES / "sample-book.pdf")
    job = live.client.get(f"/api/v1/jobs/{job_id}", headers=live.headers).json()
    assert job["status"] == "completed", job
    assert job["progress"] == 100
    assert job["title"] == "Fables of Aesop"
    assert job["page_count"] == 10
    assert job["duration_seconds"] > 600
    # Users see credits, not what the voice provider was sent or charged: the book held its
    # price when submitted and spent it when it completed.
    assert "cost_usd" not in job
    credits = live.client.get("/api/v1/credits", headers=live.headers).json()
    assert credits["reserved"] == 0
    spent = [e for e in credits["history"] if e["job_id"] == job_id and e["kind"] == "capture"]
    assert len(spent) == 1
    assert spent[0]["held"] < 0

    chapters = live.client.get(f"/api/v1/jobs/{job_id}/chapters", headers=live.headers).json()
    assert [chapter["title"] for chapter in chapters] == [
        "Chapter I: Wolves and Sheep",
        "Chapter II: The Cunning of Foxes",
        "Chapter III: Strength and Wisdom",
    ]
    assert {chapter["status"] for chapter in chapters} == {"done"}
    assert all(chapter["duration_seconds"] > 60 for chapter in chapters)
    assert {(chapter["provider"], chapter["voice"]) for chapter in chapters} == {("local", "heart")}
    second = live.client.get(f"/api/v1/jobs/{job_id}/chapters/2/audio", headers=live.headers)
    assert second.status_code == 200
    with av.open(io.BytesIO(second.content)) as container:
        titles = [mark["metadata"]["title"] for mark in container.chapters()]
    assert titles == ["Chapter II: The Cunning of Foxes"]
    removed = live.client.get(f"/api/v1/jobs/{job_id}/removed", headers=live.headers).json()
    assert {"page": 2, "reason": "header", "text": "Fables of Aesop"} in removed

    audio = live.client.get(f"/api/v1/jobs/{job_id}/audio", headers=live.headers)
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/mp4"
    assert 'filename="sample-book.m4b"' in audio.headers["content-disposition"]
    with av.open(io.BytesIO(audio.content)) as container:
        assert len(container.chapters()) == 3

    partial = live.client.get(
        f"/api/v1/jobs/{job_id}/audio", headers={**live.headers, "Range": "bytes=0-99"}
    )
    assert partial.status_code == 206
    assert partial.content == audio.content[:100]
    assert partial.headers["content-range"] == f"bytes 0-99/{len(audio.content)}"


@pytest.mark.parametrize(("number", "words"), [(23, "memory"), (16, "damaged"), (12, "password")])
def test_hostile_pdf_is_refused_at_submission_with_the_readers_message(
    live: LiveApi, number: int, words: str
) -> None:
    # Pricing reads the text in the sandbox before the job exists; the stage tests cover the
    # same files failing a job when nothing priced them first.
    before = live.client.get("/api/v1/jobs", headers=live.headers).json()["total"]
    with corpus_file(number).open("rb") as handle:
        response = live.client.post(
            "/api/v1/jobs", files={"file": ("book.pdf", handle)}, headers=live.headers
        )
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert live.client.get("/api/v1/jobs", headers=live.headers).json()["total"] == before


def test_job_left_pending_by_a_stopped_server_is_run_after_restart(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    # About the runner, not the voice: the tone test voice (its workers inherit the switch).
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    settings = api_settings(tmp_path / "data", signing_key)
    headers = {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub=ALICE)}"}
    # First life: the job is accepted, but the server stops before any worker runs it.
    with (
        TestClient(create_app(settings, runner=QueueOnlyRunner())) as client,
        (SAMPLES / "sample-book.pdf").open("rb") as handle,
    ):
        job_id = client.post(
            "/api/v1/jobs",
            files={"file": ("book.pdf", handle)},
            data={"provider": "tone"},
            headers=headers,
        ).json()["id"]
    # Second life: the runner finds the pending job when it starts.
    runner = EmbeddedRunner(settings, session_factory(create_engine_from_settings(settings)))
    with TestClient(create_app(settings, runner=runner)) as client:
        assert runner.wait_idle(JOB_TIMEOUT)
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "completed"
    assert job["attempts"] == 1
