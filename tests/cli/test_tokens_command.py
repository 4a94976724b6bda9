"""`pdf2audiobook tokens create` gives a self-hosted user a working API token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.settings import Settings

COMMAND = str(Path(sys.executable).parent / "pdf2audiobook")


def test_created_token_signs_in_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    environment = {**os.environ, "DATA_DIR": str(data_dir)}
    environment.pop("DATABASE_URL", None)
    created = subprocess.run(
        [COMMAND, "tokens", "create", "--email", "Reader@Example.com"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=environment,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("p2a_")
    database = (data_dir / "pdf2audiobook.db").read_bytes()
    assert token.encode() not in database

    app = create_app(Settings(_env_file=None, data_dir=data_dir))
    with TestClient(app) as client:
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        wrong = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}x"})
    assert me.status_code == 200
    assert me.json()["email"] == "Reader@Example.com"
    assert wrong.status_code == 401
