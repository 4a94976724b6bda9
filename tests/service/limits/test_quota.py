"""At most MAX_ACTIVE_JOBS_PER_USER jobs waiting or running per user, even when racing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from pdf2audiobook.service.auth import VerifiedIdentity
from pdf2audiobook.service.models import Job, JobStatus, User
from tests.conftest import SAMPLE_BOOK
from tests.service.auth.token_factory import ISSUER
from tests.service.limits.conftest import LimitedApiFactory, Response, error_name, new_user

RACERS = 8


def test_submission_beyond_the_quota_is_429_until_a_job_ends(
    limited_api: LimitedApiFactory, database_url: str
) -> None:
    alice, bob = new_user(), new_user()
    with limited_api(max_active_jobs_per_user=2, database_url=database_url) as api:
        first, second, refused = (api.submit(alice) for _ in range(3))
        bobs = api.submit(bob)
        api.client.post(f"/api/v1/jobs/{first.json()['id']}/cancel", headers=api.headers(alice))
        after_cancel = api.submit(alice)
        # The cancelled job would make a third active one.
        retry = api.client.post(
            f"/api/v1/jobs/{first.json()['id']}/retry", headers=api.headers(alice)
        )

    assert (first.status_code, second.status_code) == (201, 201)
    assert refused.status_code == 429
    assert error_name(refused) == "TooManyActiveJobs"
    assert "2 jobs waiting or running" in refused.json()["detail"]
    # Nobody can say when a job ends: no Retry-After to promise.
    assert "Retry-After" not in refused.headers
    assert bobs.status_code == 201
    assert after_cancel.status_code == 201
    assert retry.status_code == 429
    assert error_name(retry) == "TooManyActiveJobs"
    assert len(api.runner.submitted) == 4


def test_concurrent_submissions_at_the_quota_never_all_pass(
    limited_api: LimitedApiFactory, database_url: str
) -> None:
    alice = new_user()
    quota = 3
    with limited_api(max_active_jobs_per_user=quota, database_url=database_url) as api:
        # The user row exists first, as it does for anyone who has used the API before.
        assert api.client.get("/api/v1/jobs", headers=api.headers(alice)).status_code == 200
        start = threading.Barrier(RACERS)

        def racer(_: int) -> Response:
            start.wait()
            return api.submit(alice)

        with ThreadPoolExecutor(RACERS) as pool:
            answers = list(pool.map(racer, range(RACERS)))
        sessions = api.app.state.service.sessions
        with sessions() as session:
            active = session.scalar(
                select(func.count())
                .select_from(Job)
                .join(User, User.id == Job.user_id)
                .where(
                    User.external_id == VerifiedIdentity(subject=alice, issuer=ISSUER).external_id,
                    Job.status.in_([JobStatus.PENDING, JobStatus.PROCESSING]),
                )
            )

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * quota + [429] * (RACERS - quota)
    assert {error_name(r) for r in answers if r.status_code == 429} == {"TooManyActiveJobs"}
    assert active == quota


def test_a_repeated_idempotency_key_at_the_quota_returns_the_first_job(
    limited_api: LimitedApiFactory,
) -> None:
    alice = new_user()
    with limited_api(max_active_jobs_per_user=1) as api:
        headers = {**api.headers(alice), "Idempotency-Key": "book-1"}

        def submit() -> Response:
            with SAMPLE_BOOK.open("rb") as handle:
                return api.client.post(
                    "/api/v1/jobs",
                    files={"file": (SAMPLE_BOOK.name, handle, "application/pdf")},
                    headers=headers,
                )

        first, repeated = submit(), submit()

    assert (first.status_code, repeated.status_code) == (201, 200)
    assert first.json()["id"] == repeated.json()["id"]
