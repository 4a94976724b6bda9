"""What `compose.yaml` and the `Dockerfile` promise, read statically (no container engine)."""

from __future__ import annotations

from typing import Any

import pytest

from pdf2audiobook.service.kit.settings import Settings
from tests.deploy.files import (
    APP_SERVICES,
    BACKING_SERVICES,
    DOCKERFILE,
    ONE_SHOT_SERVICES,
    env_example_names,
    services,
)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    assert isinstance(environment, dict), "environment is written as a mapping"
    return environment


def _dockerfile_instructions() -> list[str]:
    """Instructions with their continuation lines joined, comments dropped."""
    joined = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_compose_names_every_service_the_deployment_needs() -> None:
    assert set(services()) >= {*APP_SERVICES, *BACKING_SERVICES, *ONE_SHOT_SERVICES}


@pytest.mark.parametrize("name", [*APP_SERVICES, *BACKING_SERVICES])
def test_every_long_running_service_has_a_healthcheck(name: str) -> None:
    healthcheck = services()[name].get("healthcheck", {})
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable")


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate", "minio-bucket"])
def test_services_wait_for_what_they_use_to_be_healthy_or_done(name: str) -> None:
    depends_on = services()[name]["depends_on"]
    assert depends_on, f"{name} depends on nothing"
    for dependency, how in depends_on.items():
        expected = (
            "service_completed_successfully"
            if dependency in ONE_SHOT_SERVICES
            else "service_healthy"
        )
        assert how["condition"] == expected, f"{name} -> {dependency}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_after_the_migration_and_the_bucket(name: str) -> None:
    depends_on = services()[name]["depends_on"]
    assert {"postgres", "redis", "minio", "migrate", "minio-bucket"} <= set(depends_on)


def test_worker_can_be_scaled() -> None:
    worker = services()["worker"]
    # A fixed container name or host port would make a second replica fail to start.
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker["deploy"]["replicas"] >= 1


def test_redis_keeps_queued_messages_and_never_evicts_them() -> None:
    command = " ".join(services()["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_app_services_use_postgres_redis_and_the_s3_store() -> None:
    for name in (*APP_SERVICES, "migrate"):
        environment = _environment(services()[name])
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert environment["REDIS_URL"].startswith("redis://redis:"), name
        assert environment["STORAGE_BACKEND"] == "s3", name
        assert environment["S3_ENDPOINT_URL"] == "http://minio:9000", name


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_every_variable_given_to_the_app_is_a_setting_or_documented(name: str) -> None:
    settings_names = {field.upper() for field in Settings.model_fields}
    known = settings_names | env_example_names()
    unknown = set(_environment(services()[name])) - known
    assert not unknown, f"{name} sets variables the service does not read: {sorted(unknown)}"


def test_image_runs_the_api_as_an_unprivileged_user() -> None:
    instructions = _dockerfile_instructions()
    users = [line.split(maxsplit=1)[1] for line in instructions if line.startswith("USER ")]
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert instructions[-2:] == [
        'ENTRYPOINT ["pdf2audiobook"]',
        'CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]',
    ]


def test_image_installs_the_locked_dependencies_and_tesseract() -> None:
    text = " ".join(_dockerfile_instructions())
    assert "uv sync --frozen --no-dev" in text
    assert "tesseract-ocr tesseract-ocr-eng" in text
    assert "FROM python:3.11-slim" in text


def test_image_and_api_service_check_health_on_the_health_route() -> None:
    healthcheck = next(
        line for line in _dockerfile_instructions() if line.startswith("HEALTHCHECK")
    )
    assert "/health" in healthcheck
    assert any("/health" in part for part in services()["api"]["healthcheck"]["test"])
