"""The data folder holds every user's books, audio and (with SQLite) the database: readable
by the service's own user alone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private(data_dir: Path, database_url: str) -> None:
    """Create `data_dir` if needed and take away group and other access to it and, for a
    SQLite database inside it, to the database files. Idempotent."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(PRIVATE_DIR)
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    database = Path(url.database)
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            path.chmod(PRIVATE_FILE)
