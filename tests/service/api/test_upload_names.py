"""A refused upload's message names the user's book, never a temporary file."""

from __future__ import annotations

import pytest

from pdf2audiobook.service.jobs.lifecycle.file_names import display_name
from tests.conftest import corpus_file
from tests.service.api.conftest import Api


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("My Book.pdf", "My Book.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\me\\Fables.PDF", "Fables.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("", "book.pdf"),
        (None, "book.pdf"),
        ("x" * 300 + ".pdf", "x" * 80 + ".pdf"),
    ],
)
def test_display_names_are_the_clients_own_made_safe(sent: str | None, shown: str) -> None:
    assert display_name(sent) == shown


def test_a_locked_pdf_is_refused_naming_the_users_file(api: Api) -> None:
    with corpus_file(12).open("rb") as handle:
        response = api.client.post(
            "/api/v1/jobs",
            files={"file": ("Annual report.pdf", handle, "application/pdf")},
            headers=api.headers(api.alice),
        )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "Annual report.pdf" in detail
    assert "pdf2audiobook-upload" not in detail
    assert "/tmp" not in detail
