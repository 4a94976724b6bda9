"""The job form takes what the backend guidelines' clients send (`voice_provider`, their
provider names, the "child" voice type) and refuses loudly what it cannot honour."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from fpdf import FPDF

from pdf2audiobook.pipeline.voices.base import VOICE_TYPES
from pdf2audiobook.service.jobs.lifecycle.options import VoiceType
from tests.conftest import SAMPLES
from tests.service.api.conftest import Api

SAMPLE = SAMPLES / "sample-book.pdf"


def _post(api: Api, path: str, form: dict[str, str], pdf: Path = SAMPLE) -> Any:
    with pdf.open("rb") as handle:
        return api.client.post(
            path,
            files={"file": (pdf.name, handle, "application/pdf")},
            data=form,
            headers=api.headers(api.alice),
        )


def _submit(api: Api, pdf: Path = SAMPLE, **form: str) -> Any:
    return _post(api, "/api/v1/jobs", form, pdf)


@pytest.fixture(scope="module")
def short_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sentence: a job with a cloud voice whose price never decides the test."""
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(text="A single short sentence to be read aloud.")
    path = tmp_path_factory.mktemp("short") / "short.pdf"
    document.output(str(path))
    return path


def _jobs(api: Api) -> list[dict[str, Any]]:
    listed = api.client.get("/api/v1/jobs", headers=api.headers(api.alice))
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def _refusal(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    return str(body["detail"])


@pytest.fixture
def no_cloud_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No provider key from the environment or a `.env` file in the working directory."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "OPENAI_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AZURE_SPEECH_KEY",
        "AZURE_SPEECH_REGION",
        "AZURE_SPEECH_ENDPOINT",
        "ELEVENLABS_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_cloud_keys")
def test_voice_provider_openai_without_a_key_is_refused_not_read_by_the_local_voice(
    api: Api,
) -> None:
    detail = _refusal(_submit(api, voice_provider="openai"), 400)

    assert "'openai' is unavailable" in detail
    assert "OPENAI_API_KEY" in detail
    assert _jobs(api) == []
    assert api.runner.submitted == []


@pytest.mark.usefixtures("no_cloud_keys")
def test_voice_provider_openai_with_a_key_makes_an_openai_job(
    api: Api, monkeypatch: pytest.MonkeyPatch, short_pdf: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")

    response = _submit(api, short_pdf, voice_provider="openai")

    assert response.status_code == 201, response.text
    assert response.json()["options"]["provider"] == "openai"


@pytest.mark.usefixtures("no_cloud_keys")
@pytest.mark.parametrize(
    ("field", "name", "stored"),
    [
        ("voice_provider", "aws_polly", "polly"),
        ("provider", "AWS_Polly", "polly"),
        ("voice_provider", "eleven_labs", "elevenlabs"),
        ("provider", "eleven_labs", "elevenlabs"),
    ],
)
def test_the_guidelines_provider_names_are_stored_under_ours(
    api: Api, monkeypatch: pytest.MonkeyPatch, short_pdf: Path, field: str, name: str, stored: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTNOTREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-not-real")
    monkeypatch.setenv("ELEVENLABS_API_KEY", "test-key-not-real")

    response = _submit(api, short_pdf, **{field: name})

    assert response.status_code == 201, response.text
    job = response.json()
    assert job["options"]["provider"] == stored
    assert [item["options"]["provider"] for item in _jobs(api)] == [stored]
    assert api.runner.submitted == [(job["id"], None)]


@pytest.mark.usefixtures("no_cloud_keys")
def test_provider_and_voice_provider_naming_the_same_provider_are_accepted(
    api: Api, monkeypatch: pytest.MonkeyPatch, short_pdf: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTNOTREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-not-real")

    same = _submit(api, short_pdf, provider="local", voice_provider="local")
    alias = _submit(api, short_pdf, provider="polly", voice_provider="aws_polly")

    assert (same.status_code, alias.status_code) == (201, 201)
    assert alias.json()["options"]["provider"] == "polly"


def test_provider_and_voice_provider_disagreeing_is_a_422(api: Api) -> None:
    response = _submit(api, provider="local", voice_provider="openai")

    detail = _refusal(response, 422)
    assert response.json()["error"] == "ValidationError"
    assert "voice_provider 'openai' and provider 'local' name different providers" in detail
    assert _jobs(api) == []


@pytest.mark.usefixtures("no_cloud_keys")
def test_child_voice_on_a_provider_with_one_makes_the_job(
    api: Api, monkeypatch: pytest.MonkeyPatch, short_pdf: Path
) -> None:
    monkeypatch.setenv("AZURE_SPEECH_KEY", "test-key-not-real")
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")

    response = _submit(api, short_pdf, voice_provider="azure", voice_type="child")

    assert response.status_code == 201, response.text
    options = response.json()["options"]
    assert (options["provider"], options["voice_type"]) == ("azure", "child")


def test_child_voice_on_a_provider_without_one_is_refused_naming_the_alternatives(
    api: Api,
) -> None:
    detail = _refusal(_submit(api, provider="local", voice_type="child"), 400)

    assert "The local provider has no child voice" in detail
    assert "(default, female, male)" in detail
    assert "a provider with a child voice: azure, polly" in detail
    assert _jobs(api) == []


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/jobs/estimate"])
def test_an_unknown_form_field_is_a_422_naming_it(api: Api, path: str) -> None:
    response = _post(api, path, {"conversion_mode": "summary", "reading_speed": "1.0"})

    detail = _refusal(response, 422)
    assert response.json()["error"] == "ValidationError"
    assert detail.startswith("body.conversion_mode: Unknown form field")
    assert "reading_speed" in detail.split("takes:")[1]
    assert _jobs(api) == []
    assert api.runner.submitted == []


def test_the_estimate_takes_no_provider(api: Api) -> None:
    detail = _refusal(_post(api, "/api/v1/jobs/estimate", {"voice_provider": "openai"}), 422)

    assert detail.startswith("body.voice_provider: Unknown form field")


def test_the_form_accepts_every_voice_type_the_pipeline_knows() -> None:
    assert get_args(VoiceType) == VOICE_TYPES


def test_job_submission_documents_the_402_of_missing_credits(api: Api) -> None:
    responses = api.app.openapi()["paths"]["/api/v1/jobs"]["post"]["responses"]

    assert "402" in responses


def test_without_a_token_an_unknown_field_is_a_401_not_a_422(api: Api) -> None:
    with SAMPLE.open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs",
            files={"file": ("book.pdf", handle, "application/pdf")},
            data={"conversion_mode": "full"},
        )
    assert response.status_code == 401
