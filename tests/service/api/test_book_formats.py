"""Books that are not PDFs through the API: an EPUB becomes a chaptered audiobook, and a file
of no readable format is a 415 that says what is accepted."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.pipeline.formats.sniff import SourceFormat
from pdf2audiobook.pipeline.voices import tone
from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.lifecycle.file_names import display_name
from pdf2audiobook.service.jobs.runners.embedded import EmbeddedRunner
from pdf2audiobook.service.kit.db import create_engine_from_settings, session_factory
from tests.pipeline.formats.epub_files import simple_book
from tests.service.api.conftest import ALICE, Api, api_settings
from tests.service.auth.token_factory import rs256_token

JOB_TIMEOUT = 300.0
ACCEPTED = "PDF, EPUB, Word (.docx), Markdown or plain text"
CHAPTERS = [
    ("The Crossing", " ".join(["The boat left the shore before dawn."] * 8)),
    ("The Island", " ".join(["Nobody had lived on the island for years."] * 8)),
]


@pytest.fixture
def live(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, EmbeddedRunner, dict[str, str]]]:
    # The tone test voice: this is about reading the format, not about speech.
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    settings = api_settings(tmp_path / "data", signing_key)
    runner = EmbeddedRunner(settings, session_factory(create_engine_from_settings(settings)))
    headers = {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub=ALICE)}"}
    with TestClient(create_app(settings, runner=runner)) as client:
        yield client, runner, headers


def test_an_uploaded_epub_becomes_a_chaptered_audiobook(
    live: tuple[TestClient, EmbeddedRunner, dict[str, str]], tmp_path: Path
) -> None:
    client, runner, headers = live
    book = simple_book(tmp_path / "voyage.epub", CHAPTERS)
    with book.open("rb") as handle:
        response = client.post(
            "/api/v1/jobs",
            # The client's name and type say PDF; the bytes say EPUB.
            files={"file": ("Voyage.pdf", handle, "application/pdf")},
            data={"provider": "tone"},
            headers=headers,
        )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    assert runner.wait_idle(JOB_TIMEOUT)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "completed", job
    assert job["title"] == "A Test Book"
    assert job["author"] == "Ann Author"
    chapters = client.get(f"/api/v1/jobs/{job_id}/chapters", headers=headers).json()
    assert [chapter["title"] for chapter in chapters] == ["The Crossing", "The Island"]
    assert {chapter["status"] for chapter in chapters} == {"done"}
    removed = client.get(f"/api/v1/jobs/{job_id}/removed", headers=headers).json()
    assert removed == []


def test_junk_is_415_listing_what_is_accepted(api: Api, tmp_path: Path) -> None:
    junk = tmp_path / "book.txt"
    junk.write_bytes(random.Random(7).randbytes(4096))
    with junk.open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs",
            files={"file": ("book.txt", handle, "text/plain")},
            headers=api.headers(api.alice),
        )
    assert response.status_code == 415
    detail = response.json()["detail"]
    assert "book.txt is not a plain text file" in detail
    assert ACCEPTED in detail
    assert api.runner.submitted == []


def test_an_epub_estimate_counts_its_chapters_text(api: Api, tmp_path: Path) -> None:
    book = simple_book(tmp_path / "voyage.epub", CHAPTERS)
    with book.open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs/estimate",
            files={"file": ("voyage.epub", handle, "application/epub+zip")},
            headers=api.headers(api.alice),
        )
    assert response.status_code == 200, response.text
    local = next(row for row in response.json() if row["provider"] == "local")
    words = sum(len(text.split()) + len(title.split()) for title, text in CHAPTERS)
    assert local["characters"] > words * 4


@pytest.mark.parametrize(
    ("sent", "found", "shown"),
    [
        ("Voyage.pdf", SourceFormat.EPUB, "Voyage.epub"),
        ("notes.markdown", SourceFormat.MARKDOWN, "notes.markdown"),
        ("Draft.DOCX", SourceFormat.DOCX, "Draft.docx"),
        ("story", SourceFormat.TEXT, "story.txt"),
        ("../a.epub", SourceFormat.PDF, "a.pdf"),
    ],
)
def test_the_display_name_takes_the_suffix_of_the_real_format(
    sent: str, found: SourceFormat, shown: str
) -> None:
    assert display_name(sent, found) == shown
