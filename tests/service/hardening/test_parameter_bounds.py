"""Numbers a client sends are bounded before they reach the database or `int()`: an
absurd offset, chapter number or Range header is a 4xx, never a 500."""

from __future__ import annotations

import pytest

from pdf2audiobook.service.state import ServiceState
from tests.service.api.conftest import Api
from tests.service.hardening.conftest import complete_with_audio, submit_sample

AUDIO = bytes(range(256)) * 40
HUGE = "9" * 5000


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs?offset=99999999999999999999",
        "/api/v1/jobs?offset=-1",
        "/api/v1/jobs?limit=99999999999999999999",
        "/api/v1/credits?offset=99999999999999999999",
        "/api/v1/credits?limit=99999999999999999999",
        f"/api/v1/jobs?offset={HUGE}",
    ],
)
def test_overflowing_page_parameters_are_422(api: Api, path: str) -> None:
    response = api.client.get(path, headers=api.headers(api.alice))
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


def test_largest_accepted_offset_is_an_empty_page(api: Api) -> None:
    response = api.client.get("/api/v1/jobs?offset=2147483647", headers=api.headers(api.alice))
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("range_header", "status"),
    [
        (f"bytes={HUGE}-", 416),
        (f"bytes={HUGE}-{HUGE}", 416),
        (f"bytes=0-{HUGE}", 206),
        (f"bytes=-{HUGE}", 206),
        ("bytes=99999999999999999999-", 416),
    ],
)
def test_huge_range_positions_are_read_as_past_the_end(
    api: Api, range_header: str, status: int
) -> None:
    headers = api.headers(api.alice)
    job_id = submit_sample(api.client, headers)
    state: ServiceState = api.app.state.service
    complete_with_audio(state, job_id, AUDIO)
    response = api.client.get(
        f"/api/v1/jobs/{job_id}/audio", headers={**headers, "Range": range_header}
    )
    assert response.status_code == status
    if status == 206:
        assert response.content == AUDIO
        assert response.headers["content-range"] == f"bytes 0-{len(AUDIO) - 1}/{len(AUDIO)}"
    else:
        assert response.json()["error"] == "RangeNotSatisfiable"
        assert HUGE not in response.text


@pytest.mark.parametrize("number", ["0", "99999999999999999999", HUGE])
def test_chapter_numbers_out_of_range_are_422(api: Api, number: str) -> None:
    response = api.client.get(
        f"/api/v1/jobs/some-job/chapters/{number}/audio", headers=api.headers(api.alice)
    )
    assert response.status_code == 422
