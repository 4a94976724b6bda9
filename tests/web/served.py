"""`pdf2audiobook serve` with the test voice, for the browser: a real server process on a
free loopback port with its own data folder, and personal tokens made by the CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.service.auth.token_factory import new_rsa_key
from tests.service.hardening.server import ApiServer
from tests.service.worker.processes import CLI

TONE_SECONDS_PER_CHUNK = 0.25
"""Slow enough that the sample book's later chapters are still being read when its first
can be played (each chapter is about ten chunks), fast enough to finish in seconds."""


class PageServer(ApiServer):
    """The API and the page in one process, converting with the tone voice on one worker,
    so a second book waits while the first is read."""

    def create_token(self, email: str) -> str:
        """A personal API token for `email`, made as an operator would, by the CLI."""
        made = subprocess.run(
            [str(CLI), "tokens", "create", "--email", email],
            cwd=self.folder,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return made.stdout.strip().splitlines()[-1]


@contextmanager
def page_server(folder: Path, settings: Mapping[str, object]) -> Iterator[PageServer]:
    database = folder / "data" / "pdf2audiobook.db"
    server = PageServer(
        folder,
        new_rsa_key(),
        f"sqlite:///{database}",
        {
            "pdf2audiobook_test_voices": 1,
            "pdf2audiobook_tone_seconds_per_chunk": TONE_SECONDS_PER_CHUNK,
            **settings,
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
