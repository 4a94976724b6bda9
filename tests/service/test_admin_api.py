"""Administrators see every user's balance and usage, adjust credits with a reason, and see
what any job cost; who counts as one is decided by a role claim or the command line."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pdf2audiobook.cli.app import app as cli
from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.credits.pricing import VoiceRates
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import ChapterSpec, StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import get_settings
from pdf2audiobook.service.models import Chapter, CreditEntry, CreditKind, Job, JobStage
from tests.service.api import conftest as api_fixtures
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import new_rsa_key, rs256_token

# The API fixtures live beside the API tests; this module uses them from outside that folder.
api = api_fixtures.api


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    """The key this module's identity provider signs tokens with."""
    return new_rsa_key()


LEASE = 60.0
ATTEMPTS = 4
FREE_ALLOWANCE = 100
"""Credits of the seeded free plan."""


def _bearer(api: Api, subject: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {rs256_token(api.key, kid=None, sub=subject, **claims)}"}


@pytest.fixture
def admin(api: Api) -> dict[str, str]:
    """Headers of an administrator made by the identity provider's role claim."""
    return _bearer(api, f"user_admin_{uuid.uuid4().hex[:8]}", role="admin")


def _signed_in(api: Api, subject: str, **claims: Any) -> dict[str, Any]:
    """The user's profile after their first request (which tops up the free allowance)."""
    response = api.client.get("/api/v1/auth/me", headers=_bearer(api, subject, **claims))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _listed(api: Api, headers: dict[str, str], user_id: str) -> dict[str, Any]:
    """The user's row of the admin list, paging through however many users there are."""
    offset, total = 0, 1
    while offset < total:
        page = api.client.get(
            "/api/v1/admin/users", params={"limit": 100, "offset": offset}, headers=headers
        ).json()
        for row in page["items"]:
            if row["id"] == user_id:
                found: dict[str, Any] = row
                return found
        offset, total = offset + 100, page["total"]
    pytest.fail(f"user {user_id} is not in the admin list")


def _adjust(
    api: Api, headers: dict[str, str], user_id: str, amount: int, key: str | None = None
) -> Any:
    return api.client.post(
        f"/api/v1/admin/users/{user_id}/credits",
        json={"amount": amount, "reason": "Refund for a garbled chapter"},
        headers={**headers, **({"Idempotency-Key": key} if key else {})},
    )


def _balance(api: Api, subject: str) -> int:
    balance: int = api.client.get("/api/v1/credits", headers=api.headers(subject)).json()["balance"]
    return balance


RATES = {"local": 100, "openai": 2000}
"""Credits per million characters the usage tests price chapters at."""


@pytest.fixture
def rates(api: Api) -> Iterator[None]:
    """RATES in the rates table for the test, and what was there before put back after
    (the PostgreSQL database is shared by the test session)."""
    with session_scope(api.app.state.service.sessions) as session:
        before = {provider: VoiceRates(session).rate(provider) for provider in RATES}
        for provider, rate in RATES.items():
            VoiceRates(session).set(provider, rate)
    yield
    with session_scope(api.app.state.service.sessions) as session:
        for provider, rate in before.items():
            VoiceRates(session).set(provider, rate)


@dataclass(frozen=True)
class Spoken:
    provider: str
    characters: int
    seconds: float


def _finished_job(
    api: Api, user_id: str, provider: str, held: int, chapters: list[Spoken], cost_usd: float
) -> str:
    """A job the stages ran to the end: `held` credits reserved at submission, each chapter
    read by its own voice, the cost recorded. Returns its id."""
    sessions = api.app.state.service.sessions
    characters = sum(chapter.characters for chapter in chapters)
    with session_scope(sessions) as session:
        job = JobRepository(session, user_id).create(
            original_filename="book.pdf",
            pdf_key=f"uploads/{uuid.uuid4().hex}.pdf",
            options={"provider": provider},
        )
        JobCredits(session).reserve(job, provider, characters, held)
        job_id = job.id
    with session_scope(sessions) as session:
        stages = StageRepository(session)
        read = stages.claim_job(job_id, JobStage.EXTRACTING, "h:1:read", "read", LEASE, ATTEMPTS)
        assert isinstance(read, Job)
        plan = [
            ChapterSpec(f"Part {n}", n, n, spoken.characters // 5, spoken.characters)
            for n, spoken in enumerate(chapters, start=1)
        ]
        assert stages.start_synthesis(job_id, "h:1:read", plan) == list(range(1, len(plan) + 1))
        for number, spoken in enumerate(chapters, start=1):
            owner = f"h:1:chapter-{number}"
            claimed = stages.claim_chapter(job_id, number, owner, owner, LEASE, ATTEMPTS)
            assert isinstance(claimed, Chapter)
            assert stages.finish_chapter(
                job_id,
                number,
                owner,
                audio_key=f"audio/{job_id}/{number}.m4a",
                duration_seconds=spoken.seconds,
                provider=spoken.provider,
                voice="default",
            )
        assert stages.start_assembly(job_id)
        join = stages.claim_job(job_id, JobStage.ASSEMBLING, "h:1:join", "join", LEASE, ATTEMPTS)
        assert isinstance(join, Job)
        assert stages.record_cost(job_id, "h:1:join", characters, cost_usd, None)
        assert stages.complete(
            job_id,
            "h:1:join",
            audio_key=f"audio/{job_id}/book.m4b",
            audio_format="m4b",
            duration_seconds=sum(chapter.seconds for chapter in chapters),
        )
    return job_id


# --- Who is an administrator ---


@pytest.mark.parametrize("claim", ["admin", ["billing", "admin"]])
def test_role_claim_makes_an_admin_without_changing_the_stored_role(api: Api, claim: Any) -> None:
    headers = _bearer(api, api.alice, role=claim)

    assert api.client.get("/api/v1/admin/users", headers=headers).status_code == 200
    assert _signed_in(api, api.alice)["role"] == "user"


@pytest.mark.parametrize("claim", ["Admin", "administrator", ["user"], {"admin": True}, True])
def test_role_claim_other_than_admin_is_forbidden(api: Api, claim: Any) -> None:
    response = api.client.get("/api/v1/admin/users", headers=_bearer(api, api.alice, role=claim))

    assert response.status_code == 403


def test_role_claim_is_read_under_the_configured_name(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str
) -> None:
    settings = api_settings(
        tmp_path / "data",
        signing_key,
        database_url=database_url,
        jwt_role_claim="https://pdf2audiobook.test/roles",
    )
    subject = f"user_{uuid.uuid4().hex[:8]}"
    named = rs256_token(
        signing_key, kid=None, sub=subject, **{"https://pdf2audiobook.test/roles": ["admin"]}
    )
    plain = rs256_token(signing_key, kid=None, sub=subject, role="admin")
    with TestClient(create_app(settings, runner=QueueOnlyRunner())) as client:
        by_name = client.get("/api/v1/admin/usage", headers={"Authorization": f"Bearer {named}"})
        by_default = client.get("/api/v1/admin/usage", headers={"Authorization": f"Bearer {plain}"})

    assert by_name.status_code == 200
    assert by_default.status_code == 403


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The command line reads settings once per process: read them again around the test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_user_made_admin_on_the_command_line_may_use_admin_routes(api: Api, tmp_path: Path) -> None:
    email = f"{api.alice}@example.com"
    headers = _bearer(api, api.alice, email=email)
    assert _signed_in(api, api.alice, email=email)["role"] == "user"
    assert api.client.get("/api/v1/admin/users", headers=headers).status_code == 403
    environment = {
        "DATA_DIR": str(tmp_path / "cli"),
        "DATABASE_URL": api.app.state.service.settings.resolved_database_url,
    }

    # Addresses match whatever their case.
    made = CliRunner().invoke(
        cli, ["users", "set-role", "--email", email.upper(), "admin"], env=environment
    )

    assert made.exit_code == 0, made.output
    assert api.client.get("/api/v1/admin/users", headers=headers).status_code == 200
    assert api.client.get("/api/v1/auth/me", headers=headers).json()["role"] == "admin"

    demoted = CliRunner().invoke(
        cli, ["users", "set-role", "--email", email, "user"], env=environment
    )

    assert demoted.exit_code == 0, demoted.output
    assert api.client.get("/api/v1/admin/users", headers=headers).status_code == 403


# --- Users, balances and totals ---


def test_users_list_shows_a_new_users_free_allowance(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)

    row = _listed(api, admin, alice["id"])

    assert row["balance"] == FREE_ALLOWANCE
    assert (row["reserved"], row["jobs"], row["characters"]) == (0, 0, 0)
    assert (row["audio_hours"], row["cost_usd"]) == (0.0, 0.0)
    assert row["role"] == "user"


@pytest.mark.usefixtures("rates")
def test_users_list_totals_a_users_finished_jobs(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)
    _finished_job(api, alice["id"], "openai", 50, [Spoken("openai", 10_000, 1800.0)], 0.15)
    _finished_job(api, alice["id"], "local", 10, [Spoken("local", 40_000, 5400.0)], 0.0)

    row = _listed(api, admin, alice["id"])

    assert row["jobs"] == 2
    assert row["characters"] == 50_000
    assert row["audio_hours"] == 2.0
    assert row["cost_usd"] == 0.15
    # 20 credits for the openai job and 4 for the local one; the rest was given back.
    assert (row["balance"], row["reserved"]) == (FREE_ALLOWANCE - 24, 0)


# --- Credit adjustments ---


def test_adjustment_changes_the_balance_and_shows_its_reason_in_the_users_history(
    api: Api, admin: dict[str, str]
) -> None:
    alice = _signed_in(api, api.alice)

    response = _adjust(api, admin, alice["id"], 250)

    assert response.status_code == 200
    assert response.json() == {
        "user_id": alice["id"],
        "amount": 250,
        "balance": FREE_ALLOWANCE + 250,
        "applied": True,
    }
    credits = api.client.get("/api/v1/credits", headers=api.headers(api.alice)).json()
    assert credits["balance"] == FREE_ALLOWANCE + 250
    newest = credits["history"][0]
    assert (newest["kind"], newest["amount"], newest["description"]) == (
        "adjustment",
        250,
        "Refund for a garbled chapter",
    )


def test_adjustment_records_the_administrator_who_made_it(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)
    admin_id = api.client.get("/api/v1/auth/me", headers=admin).json()["id"]

    assert _adjust(api, admin, alice["id"], -30).status_code == 200

    with api.app.state.service.sessions() as session:
        entry = (
            session.query(CreditEntry)
            .filter_by(user_id=alice["id"], kind=CreditKind.ADJUSTMENT)
            .one()
        )
        assert (entry.amount, entry.actor_id) == (-30, admin_id)


def test_same_idempotency_key_twice_adjusts_once(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)

    first = _adjust(api, admin, alice["id"], 40, key="ticket-123")
    again = _adjust(api, admin, alice["id"], 40, key="ticket-123")
    other = _adjust(api, admin, alice["id"], 40, key="ticket-124")

    assert (first.json()["applied"], again.json()["applied"], other.json()["applied"]) == (
        True,
        False,
        True,
    )
    assert again.json()["balance"] == FREE_ALLOWANCE + 40
    assert _balance(api, api.alice) == FREE_ALLOWANCE + 80


def test_repeated_adjustment_that_emptied_the_balance_is_not_refused(
    api: Api, admin: dict[str, str]
) -> None:
    alice = _signed_in(api, api.alice)

    first = _adjust(api, admin, alice["id"], -FREE_ALLOWANCE, key="close-account")
    again = _adjust(api, admin, alice["id"], -FREE_ALLOWANCE, key="close-account")

    assert first.status_code == again.status_code == 200
    assert again.json() == {**first.json(), "applied": False}
    assert _balance(api, api.alice) == 0


def test_idempotency_keys_belong_to_one_user(api: Api, admin: dict[str, str]) -> None:
    alice, bob = _signed_in(api, api.alice), _signed_in(api, api.bob)

    for_alice = _adjust(api, admin, alice["id"], 5, key="same-ticket")
    for_bob = _adjust(api, admin, bob["id"], 5, key="same-ticket")

    assert for_alice.json()["applied"]
    assert for_bob.json()["applied"]
    assert _balance(api, api.bob) == FREE_ALLOWANCE + 5


def test_adjustment_of_zero_is_a_bad_request(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)

    response = _adjust(api, admin, alice["id"], 0)

    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    assert _balance(api, api.alice) == FREE_ALLOWANCE


def test_adjustment_below_zero_is_a_conflict_and_changes_nothing(
    api: Api, admin: dict[str, str]
) -> None:
    alice = _signed_in(api, api.alice)

    response = _adjust(api, admin, alice["id"], -(FREE_ALLOWANCE + 1))

    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    assert _balance(api, api.alice) == FREE_ALLOWANCE


def test_adjustment_for_an_unknown_user_is_not_found(api: Api, admin: dict[str, str]) -> None:
    response = _adjust(api, admin, str(uuid.uuid4()), 10)

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_adjustment_without_a_reason_is_refused(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)

    response = api.client.post(
        f"/api/v1/admin/users/{alice['id']}/credits", json={"amount": 10}, headers=admin
    )

    assert response.status_code == 422
    assert _balance(api, api.alice) == FREE_ALLOWANCE


# --- Usage and job costs ---


@pytest.mark.usefixtures("rates")
def test_usage_totals_each_users_chapters_per_provider(api: Api, admin: dict[str, str]) -> None:
    email = f"{api.alice}@example.com"
    alice, bob = _signed_in(api, api.alice, email=email), _signed_in(api, api.bob)
    # A job in openai's voice whose second chapter a fallback (local) read, and a local job.
    _finished_job(
        api,
        alice["id"],
        "openai",
        FREE_ALLOWANCE,
        [Spoken("openai", 20_000, 1800.0), Spoken("local", 50_000, 3600.0)],
        0.3,
    )
    _finished_job(api, alice["id"], "local", 10, [Spoken("local", 30_000, 1800.0)], 0.0)

    usage = api.client.get("/api/v1/admin/usage", headers=admin).json()

    alices = {row["provider"]: row for row in usage if row["user_id"] == alice["id"]}
    assert not [row for row in usage if row["user_id"] == bob["id"]]
    assert alices["openai"] == {
        "user_id": alice["id"],
        "email": email,
        "provider": "openai",
        "jobs": 1,
        "characters": 20_000,
        "audio_hours": 0.5,
        "cost_usd": cost_of("openai", 20_000),
        # Each voice's spending counts under that voice: 40 credits for openai's chapter;
        # the fallback's 5 count under local.
        "credits_spent": 40,
    }
    assert alices["local"]["jobs"] == 2
    assert alices["local"]["characters"] == 80_000
    assert alices["local"]["audio_hours"] == 1.5
    assert alices["local"]["credits_spent"] == 3 + 5
    assert _balance(api, api.alice) == FREE_ALLOWANCE - 48


@pytest.mark.usefixtures("rates")
def test_admin_sees_any_jobs_cost_which_its_owner_does_not(api: Api, admin: dict[str, str]) -> None:
    alice = _signed_in(api, api.alice)
    job_id = _finished_job(api, alice["id"], "openai", 50, [Spoken("openai", 10_000, 60.0)], 0.15)

    as_admin = api.client.get(f"/api/v1/admin/jobs/{job_id}", headers=admin)
    as_owner = api.client.get(f"/api/v1/jobs/{job_id}", headers=api.headers(api.alice))

    assert as_admin.status_code == as_owner.status_code == 200
    assert as_admin.json()["user_id"] == alice["id"]
    assert (as_admin.json()["characters_sent"], as_admin.json()["cost_usd"]) == (10_000, 0.15)
    assert as_admin.json()["status"] == as_owner.json()["status"] == "completed"
    assert "cost_usd" not in as_owner.json()
    assert "characters_sent" not in as_owner.json()


def test_admin_job_view_of_a_missing_job_is_not_found(api: Api, admin: dict[str, str]) -> None:
    response = api.client.get(f"/api/v1/admin/jobs/{uuid.uuid4()}", headers=admin)

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"
