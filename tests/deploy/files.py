"""The deployment files, read as data, and the linters that check them when installed."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

# PyYAML (a dependency of the dev tools) ships no type stubs.
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"

APP_SERVICES = ("api", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis", "minio")
ONE_SHOT_SERVICES = ("migrate", "minio-bucket")
# What compose needs from the operator; everything else has a default.
COMPOSE_REQUIRED_VARIABLES = {"SECRET_KEY": "compose-test-secret"}

_ENV_EXAMPLE_NAME = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def env_example_names() -> set[str]:
    return set(_ENV_EXAMPLE_NAME.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def tool(name: str) -> Path | None:
    """`name` from this interpreter's environment (a dev dependency), else from PATH."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file():
        return beside_python
    found = shutil.which(name)
    return Path(found) if found else None
