"""`pdf2audiobook tokens create|list|revoke` on the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdf2audiobook.cli.app import app
from pdf2audiobook.service.kit.settings import get_settings


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    get_settings.cache_clear()


def test_tokens_are_created_listed_and_revoked_from_the_command_line(
    env: dict[str, str],
) -> None:
    runner = CliRunner()
    me = ["--email", "me@example.com"]
    made = runner.invoke(
        app, ["tokens", "create", *me, "--name", "nas", "--expires-in-days", "7"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    assert token.startswith("p2a_")

    listed = runner.invoke(app, ["tokens", "list", *me], env=env)
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert len(rows) == 1
    assert rows[0][1] == "nas"
    assert rows[0][4] != "no expiry"
    assert token not in listed.output

    revoked = runner.invoke(
        app, ["tokens", "revoke", rows[0][0], "--email", "me@example.com"], env=env
    )
    assert revoked.exit_code == 0
    again = runner.invoke(
        app, ["tokens", "revoke", rows[0][0], "--email", "me@example.com"], env=env
    )
    assert again.exit_code == 1
    assert "no live token" in again.output
    assert runner.invoke(app, ["tokens", "list", *me], env=env).output == ""


def test_migrate_brings_a_new_database_to_the_newest_schema(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert (Path(env["DATA_DIR"]) / "pdf2audiobook.db").exists()
    again = CliRunner().invoke(app, ["migrate"], env=env)
    assert again.exit_code == 0
