"""The paywall: a job holds its price when submitted, spends what it used, gives back the
rest; a short balance is a 402; concurrent submissions never overdraw."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pdf2audiobook.pipeline.estimate import characters_before_reading
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.text_count import count_text
from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.credits.pricing import VoiceRates, price_of
from pdf2audiobook.service.jobs.stages.repository import ChapterSpec, StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import JobStage
from tests.conftest import SAMPLES
from tests.service.api.conftest import Api
from tests.service.credits.conftest import balance, give_credits

SAMPLE = SAMPLES / "sample-book.pdf"
LOCAL_RATE = 4000
"""Credits per million characters, set so the sample costs a few dozen credits."""


@pytest.fixture(scope="module")
def sample_characters() -> int:
    return characters_before_reading(count_text(SAMPLE, None, ReadLimits()))


@pytest.fixture
def priced(paid_api: Api, sample_characters: int) -> Iterator[int]:
    """The sample's price with the local voice at LOCAL_RATE (restored afterwards: the
    PostgreSQL database is shared by the whole run)."""
    sessions = paid_api.app.state.service.sessions
    with session_scope(sessions) as session:
        rates = VoiceRates(session)
        usual = rates.rate("local")
        rates.set("local", LOCAL_RATE)
    price = price_of(sample_characters, LOCAL_RATE)
    assert price > 10
    yield price
    with session_scope(sessions) as session:
        VoiceRates(session).set("local", usual)


def _submit(api: Api, subject: str, **headers: str) -> Any:
    with SAMPLE.open("rb") as handle:
        return api.client.post(
            "/api/v1/jobs",
            files={"file": ("sample-book.pdf", handle, "application/pdf")},
            headers={**api.headers(subject), **headers},
        )


def test_submission_holds_the_price_and_a_short_balance_is_402_naming_the_shortfall(
    paid_api: Api, priced: int
) -> None:
    give_credits(paid_api, paid_api.alice, priced + 5)
    accepted = _submit(paid_api, paid_api.alice)
    assert accepted.status_code == 201
    assert balance(paid_api, paid_api.alice) == (5, priced)

    refused = _submit(paid_api, paid_api.alice)
    assert refused.status_code == 402
    body = refused.json()
    assert body["error"] == "InsufficientCredits"
    assert f"{priced - 5} more" in body["detail"]
    # Nothing of the refused submission is kept: one job, one stored PDF.
    assert (
        paid_api.client.get("/api/v1/jobs", headers=paid_api.headers(paid_api.alice)).json()[
            "total"
        ]
        == 1
    )
    assert len(list(paid_api.data_dir.rglob("*.pdf"))) == 1
    assert balance(paid_api, paid_api.alice) == (5, priced)


def test_three_concurrent_submissions_with_credits_for_one_accept_exactly_one(
    paid_api: Api, priced: int
) -> None:
    give_credits(paid_api, paid_api.alice, priced + priced // 2)
    start = threading.Barrier(3)

    def submit(_: int) -> int:
        start.wait()
        return int(_submit(paid_api, paid_api.alice).status_code)

    with ThreadPoolExecutor(3) as pool:
        statuses = sorted(pool.map(submit, range(3)))
    assert statuses == [201, 402, 402]
    assert balance(paid_api, paid_api.alice) == (priced // 2, priced)
    assert len(paid_api.runner.submitted) == 1


def test_a_repeated_idempotency_key_holds_the_price_once(paid_api: Api, priced: int) -> None:
    give_credits(paid_api, paid_api.alice, priced * 3)
    first = _submit(paid_api, paid_api.alice, **{"Idempotency-Key": "book-1"})
    again = _submit(paid_api, paid_api.alice, **{"Idempotency-Key": "book-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert balance(paid_api, paid_api.alice) == (priced * 2, priced)


def test_cancelling_gives_the_whole_hold_back(paid_api: Api, priced: int) -> None:
    give_credits(paid_api, paid_api.alice, priced)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    assert balance(paid_api, paid_api.alice) == (0, priced)
    cancelled = paid_api.client.post(
        f"/api/v1/jobs/{job_id}/cancel", headers=paid_api.headers(paid_api.alice)
    )
    assert cancelled.status_code == 200
    assert balance(paid_api, paid_api.alice) == (priced, 0)


def test_deleting_a_job_before_it_starts_gives_the_hold_back(paid_api: Api, priced: int) -> None:
    give_credits(paid_api, paid_api.alice, priced)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    deleted = paid_api.client.delete(
        f"/api/v1/jobs/{job_id}", headers=paid_api.headers(paid_api.alice)
    )
    assert deleted.status_code == 204
    assert balance(paid_api, paid_api.alice) == (priced, 0)


def test_a_failed_job_gives_everything_back_and_a_retry_holds_again(
    paid_api: Api, priced: int
) -> None:
    give_credits(paid_api, paid_api.alice, priced)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    sessions = paid_api.app.state.service.sessions
    with session_scope(sessions) as session:
        stages = StageRepository(session)
        stages.claim_job(job_id, JobStage.EXTRACTING, "host:1:t1", "t1", 60.0, 4)
        assert stages.fail_job(job_id, "invalid_pdf", "The PDF is damaged.")
    assert balance(paid_api, paid_api.alice) == (priced, 0)
    # Failing the same job again changes nothing.
    with session_scope(sessions) as session:
        assert not StageRepository(session).fail_job(job_id, "invalid_pdf", "again")
    assert balance(paid_api, paid_api.alice) == (priced, 0)

    retried = paid_api.client.post(
        f"/api/v1/jobs/{job_id}/retry", headers=paid_api.headers(paid_api.alice)
    )
    assert retried.status_code == 200
    assert balance(paid_api, paid_api.alice) == (0, priced)


def test_a_retry_the_user_cannot_pay_for_is_402_and_leaves_the_job_failed(
    paid_api: Api, priced: int
) -> None:
    give_credits(paid_api, paid_api.alice, priced)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    with session_scope(paid_api.app.state.service.sessions) as session:
        stages = StageRepository(session)
        stages.claim_job(job_id, JobStage.EXTRACTING, "host:1:t1", "t1", 60.0, 4)
        stages.fail_job(job_id, "invalid_pdf", "The PDF is damaged.")
    give_credits(paid_api, paid_api.alice, priced - 1)
    retried = paid_api.client.post(
        f"/api/v1/jobs/{job_id}/retry", headers=paid_api.headers(paid_api.alice)
    )
    assert retried.status_code == 402
    job = paid_api.client.get(f"/api/v1/jobs/{job_id}", headers=paid_api.headers(paid_api.alice))
    assert job.json()["status"] == "failed"
    assert balance(paid_api, paid_api.alice) == (priced - 1, 0)


def test_completion_spends_what_the_chapters_used_and_gives_back_the_rest(
    paid_api: Api, priced: int
) -> None:
    give_credits(paid_api, paid_api.alice, priced)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    # The book turned out shorter than priced: two chapters of 1,500 characters each.
    used = 2 * price_of(1_500, LOCAL_RATE)
    _complete(paid_api, job_id, [1_500, 1_500])
    assert balance(paid_api, paid_api.alice) == (priced - used, 0)
    history = paid_api.client.get(
        "/api/v1/credits", headers=paid_api.headers(paid_api.alice)
    ).json()["history"]
    kinds = [entry["kind"] for entry in history if entry["job_id"] == job_id]
    assert sorted(kinds) == ["capture", "release", "reserve"]


def test_completion_never_spends_more_than_was_held(paid_api: Api, priced: int) -> None:
    give_credits(paid_api, paid_api.alice, priced + 50)
    job_id = _submit(paid_api, paid_api.alice).json()["id"]
    # Speech came out far longer than the quick count promised.
    _complete(paid_api, job_id, [10_000_000])
    assert balance(paid_api, paid_api.alice) == (50, 0)


def test_with_credits_off_nothing_is_held_or_refused(
    tmp_path: Path, signing_key: Any, database_url: str
) -> None:
    from fastapi.testclient import TestClient

    from pdf2audiobook.service.app import create_app
    from tests.service.api.conftest import QueueOnlyRunner, api_settings

    runner = QueueOnlyRunner()
    settings = api_settings(
        tmp_path / "data", signing_key, database_url=database_url, credits_enabled=False
    )
    with TestClient(create_app(settings, runner=runner)) as client:
        api = Api(client, client.app, runner, tmp_path / "data", signing_key)  # type: ignore[arg-type]
        give_credits(api, api.alice, 0)
        assert _submit(api, api.alice).status_code == 201
        assert balance(api, api.alice) == (0, 0)


def _complete(api: Api, job_id: str, chapter_characters: list[int]) -> None:
    """Drive the job through the stages as a runner would, with chapters of these sizes."""
    owner = "host:1:task"
    with session_scope(api.app.state.service.sessions) as session:
        stages = StageRepository(session)
        stages.claim_job(job_id, JobStage.EXTRACTING, owner, "task", 60.0, 4)
        specs = [
            ChapterSpec(title=f"Part {n}", start_page=n, end_page=n, word_count=10, characters=c)
            for n, c in enumerate(chapter_characters, start=1)
        ]
        numbers = stages.start_synthesis(job_id, owner, specs)
        assert numbers is not None
        for number in numbers:
            stages.claim_chapter(job_id, number, owner, f"ch{number}", 60.0, 4)
            assert stages.finish_chapter(
                job_id,
                number,
                owner,
                audio_key=f"chapters/{job_id}/{number}.m4a",
                duration_seconds=1.0,
                provider="local",
                voice="v",
            )
        assert stages.start_assembly(job_id)
        stages.claim_job(job_id, JobStage.ASSEMBLING, owner, "assemble", 60.0, 4)
        assert stages.complete(
            job_id, owner, audio_key=f"books/{job_id}.m4b", audio_format="m4b", duration_seconds=2.0
        )


def test_once_read_the_hold_fits_the_book_both_ways(paid_api: Api, priced: int) -> None:
    give_credits(paid_api, paid_api.alice, priced + 10)
    shorter = _submit(paid_api, paid_api.alice).json()["id"]
    sessions = paid_api.app.state.service.sessions
    exact = price_of(1_000, LOCAL_RATE)
    with session_scope(sessions) as session:
        JobCredits(session).reprice(shorter, 1_000)
    assert balance(paid_api, paid_api.alice) == (priced + 10 - exact, exact)
    # Reading twice (a retried extraction) changes nothing more.
    with session_scope(sessions) as session:
        JobCredits(session).reprice(shorter, 1_000)
    assert balance(paid_api, paid_api.alice) == (priced + 10 - exact, exact)

    longer = _submit(paid_api, paid_api.alice).json()["id"]
    spare = priced + 10 - exact - priced
    with session_scope(sessions) as session:
        JobCredits(session).reprice(longer, 100_000_000)
    # Only what the balance allows is held on top; the job is not stopped for the rest.
    assert balance(paid_api, paid_api.alice) == (0, exact + priced + spare)
