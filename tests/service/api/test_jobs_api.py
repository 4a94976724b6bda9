"""The jobs API with two users: submit, follow, cancel, retry, delete; bad input gets a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pdf2audiobook.service.jobs.lifecycle.password import unseal_pdf_password
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Job
from tests.conftest import SAMPLES, corpus_file
from tests.service.api.conftest import Api

SAMPLE = SAMPLES / "sample-book.pdf"


def _submit(
    api: Api,
    *,
    user: str | None = None,
    path: Path = SAMPLE,
    name: str | None = None,
    headers: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    **form: Any,
) -> Any:
    form = {**form, **(fields or {})}
    user = user or api.alice
    with path.open("rb") as handle:
        return api.client.post(
            "/api/v1/jobs",
            files={"file": (name or path.name, handle, "application/pdf")},
            data={key: str(value) for key, value in form.items()},
            headers={**api.headers(user), **(headers or {})},
        )


def _error(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error", "detail"}
    return str(body["error"])


def test_request_without_token_is_401_with_challenge(api: Api) -> None:
    response = api.client.get("/api/v1/jobs")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert _error(response) == "Unauthorized"


def test_first_valid_token_creates_the_user_who_can_set_names(api: Api) -> None:
    me = api.client.get("/api/v1/auth/me", headers=api.headers(api.alice))
    assert me.status_code == 200
    # A new user starts on the free plan with its monthly credits.
    credits = api.client.get("/api/v1/credits", headers=api.headers(api.alice)).json()
    assert me.json()["tier"] == credits["tier"] == "free"
    assert me.json()["credit_balance"] == credits["balance"] > 0
    renamed = api.client.put(
        "/api/v1/auth/me",
        json={"first_name": "Alice", "last_name": "Liddell"},
        headers=api.headers(api.alice),
    )
    assert renamed.json()["first_name"] == "Alice"
    assert (
        api.client.get("/api/v1/auth/me", headers=api.headers(api.alice)).json()["id"]
        == me.json()["id"]
    )


def test_submitted_job_is_pending_and_queued_after_commit(api: Api) -> None:
    response = _submit(api, voice_type="female", reading_speed=1.25, output_format="mp3")
    assert response.status_code == 201
    job = response.json()
    assert job["status"] == "pending"
    assert job["options"]["reading_speed"] == 1.25
    assert job["original_filename"] == "sample-book.pdf"
    assert api.runner.submitted == [(job["id"], None)]
    listed = api.client.get("/api/v1/jobs", headers=api.headers(api.alice)).json()
    assert [item["id"] for item in listed["items"]] == [job["id"]]
    status = api.client.get(f"/api/v1/jobs/{job['id']}/status", headers=api.headers(api.alice))
    assert status.json() == {
        "id": job["id"],
        "status": "pending",
        "progress": 0,
        "error_message": None,
    }


def test_the_password_is_sealed_on_the_job_and_never_queued(api: Api) -> None:
    job = _submit(api, path=corpus_file(12), password="user").json()
    assert api.runner.submitted == [(job["id"], None)]
    assert "password" not in job["options"]
    settings = api.app.state.service.settings
    with session_scope(api.app.state.service.sessions) as session:
        sealed = session.get(Job, job["id"]).pdf_password_sealed  # type: ignore[union-attr]
    assert sealed is not None
    assert "user" not in sealed
    assert unseal_pdf_password(settings, sealed) == "user"
    # Under another SECRET_KEY the seal opens nothing.
    other = settings.model_copy(update={"secret_key": "another-secret-entirely"})
    assert unseal_pdf_password(other, sealed) is None


def test_same_idempotency_key_returns_the_first_job(api: Api) -> None:
    first = _submit(api, headers={"Idempotency-Key": "abc-1"})
    second = _submit(api, headers={"Idempotency-Key": "abc-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(api.runner.submitted) == 1


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"provider": "nosuch"}, 400, "BadRequest"),
        ({"voice": "fenrir"}, 400, "BadRequest"),
        ({"reading_speed": "3"}, 422, "ValidationError"),
        ({"output_format": "wav"}, 422, "ValidationError"),
    ],
)
def test_options_that_cannot_be_honoured_are_refused(
    api: Api,
    form: dict[str, str],
    status: int,
    error: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "no-voices"))
    response = _submit(api, fields=form)
    assert response.status_code == status
    assert _error(response) == error
    assert api.runner.submitted == []


def test_not_a_pdf_is_415_whatever_its_name(api: Api) -> None:
    response = _submit(api, path=corpus_file(18))
    assert response.status_code == 415
    assert "not a PDF" in response.json()["detail"]


def test_empty_upload_is_400(api: Api, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert _submit(api, path=empty).status_code == 400


def test_upload_over_the_limit_is_413_and_nothing_is_stored(api: Api) -> None:
    response = _submit(api, path=corpus_file(20))  # 3 MB against a 2 MB limit
    assert response.status_code == 413
    uploads = api.data_dir / "files" / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../x.pdf",
        "a\x00.pdf",
        "n" * 300 + ".pdf",
        "\u202egpj.pdf",
        "M\u00fcller \u2013 \u00dcber.pdf",
    ],
)
def test_hostile_file_names_are_kept_for_display_only(api: Api, name: str) -> None:
    response = _submit(api, name=name)
    assert response.status_code == 201
    stored = sorted(p.relative_to(api.data_dir) for p in api.data_dir.rglob("*.pdf"))
    assert len(stored) == 1
    assert stored[0].parts[:2] == ("files", "uploads")
    assert not (api.data_dir.parent / "x.pdf").exists()


@pytest.mark.parametrize("number", [12, 13, 14, 15, 16, 17, 19, 21, 22, 23, 24, 25])
def test_hostile_pdfs_are_priced_or_refused_with_a_reason_and_nothing_kept(
    api: Api, number: int
) -> None:
    # Pricing counts the text in the reading sandbox: a file it cannot open is refused at
    # once with the reading's own message; the rest are the job's to judge.
    response = _submit(api, path=corpus_file(number))
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert _error(response) == "BadRequest"
        assert len(response.json()["detail"]) > 20
        assert not list(api.data_dir.rglob("*.pdf"))
        listed = api.client.get("/api/v1/jobs", headers=api.headers(api.alice)).json()
        assert listed["total"] == 0


def test_cancel_then_retry_then_delete(api: Api) -> None:
    job_id = _submit(api).json()["id"]
    headers = api.headers(api.alice)
    cancelled = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    again = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    assert again.status_code == 409
    retried = api.client.post(f"/api/v1/jobs/{job_id}/retry", headers=headers)
    assert retried.json()["status"] == "pending"
    assert [queued for queued, _ in api.runner.submitted] == [job_id, job_id]
    assert api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).status_code == 200
    assert api.client.delete(f"/api/v1/jobs/{job_id}", headers=headers).status_code == 204
    assert api.client.get(f"/api/v1/jobs/{job_id}", headers=headers).status_code == 404
    assert list(api.data_dir.rglob("*.pdf")) == []


def test_bulk_delete_removes_only_that_status(api: Api) -> None:
    headers = api.headers(api.alice)
    keep = _submit(api).json()["id"]
    gone = _submit(api).json()["id"]
    api.client.post(f"/api/v1/jobs/{gone}/cancel", headers=headers)
    response = api.client.delete("/api/v1/jobs", params={"status": "cancelled"}, headers=headers)
    assert response.json() == {"deleted": 1}
    remaining = api.client.get("/api/v1/jobs", headers=headers).json()["items"]
    assert [job["id"] for job in remaining] == [keep]


def test_audio_of_an_unfinished_job_is_404(api: Api) -> None:
    job_id = _submit(api).json()["id"]
    response = api.client.get(f"/api/v1/jobs/{job_id}/audio", headers=api.headers(api.alice))
    assert response.status_code == 404


def test_health_reports_each_check(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "queue": "ok", "storage": "ok"}


def test_voices_lists_the_local_provider(api: Api) -> None:
    providers = api.client.get("/api/v1/voices", headers=api.headers(api.bob)).json()
    local = next(provider for provider in providers if provider["name"] == "local")
    assert any(voice["name"] == "heart" and voice["available"] for voice in local["voices"])


def test_streamed_body_past_the_limit_is_cut_off_with_413(api: Api) -> None:
    # No Content-Length: the body arrives in chunks and is counted as it streams.
    def chunks() -> Iterator[bytes]:
        yield b"%PDF-1.7\n"
        for _ in range(40):
            yield b"0" * (128 * 1024)

    response = api.client.post(
        "/api/v1/jobs",
        content=chunks(),
        headers={**api.headers(api.alice), "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"
    assert list(api.data_dir.rglob("*.pdf")) == []


def test_health_is_503_when_a_dependency_is_down(api: Api) -> None:
    api.runner.shutdown()
    response = api.client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == "unavailable"
    assert response.json()["checks"]["database"] == "ok"


def test_estimate_gives_characters_duration_and_cost_per_provider(api: Api) -> None:
    with SAMPLE.open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs/estimate",
            files={"file": ("book.pdf", handle)},
            data={"reading_speed": "2.0"},
            headers=api.headers(api.alice),
        )
    assert response.status_code == 200
    local = next(row for row in response.json() if row["provider"] == "local")
    assert local["available"] is True
    assert local["characters"] > 10_000
    assert local["cost_usd"] == 0.0
    # At double speed, about six and a half minutes of the sample's thirteen.
    assert 300 < local["duration_seconds"] < 500
    assert api.runner.submitted == []


def test_estimate_of_a_broken_pdf_is_a_400_with_the_reason(api: Api) -> None:
    response = _submit(api, path=corpus_file(16))
    assert response.status_code == 400  # it cannot be priced, so it is not accepted either
    assert "damaged" in response.json()["detail"]
    with corpus_file(16).open("rb") as handle:
        estimate = api.client.post(
            "/api/v1/jobs/estimate",
            files={"file": ("x.pdf", handle)},
            headers=api.headers(api.alice),
        )
    assert estimate.status_code == 400
    assert "damaged" in estimate.json()["detail"]
