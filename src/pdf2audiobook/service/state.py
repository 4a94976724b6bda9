"""The service's long-lived parts, built once per process and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.auth import Authenticator
from pdf2audiobook.service.kit.cache import MemoryCache, TextCache
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.storage.base import Storage


class JobRunner(Protocol):
    """What the API needs of a job runner: something that delivers a committed job's stages.

    Two implement it: `EmbeddedRunner` (a process pool inside the API process, for one
    machine with no Redis) and `CeleryRunner` (workers anywhere, when REDIS_URL is set).
    Both run the same stages with the same claims, leases, attempt cap and reconciler.
    """

    def start(self) -> None:
        """Begin running jobs, picking up any left pending or orphaned by a restart."""

    def submit(self, job_id: str, password: str | None) -> None:
        """Queue a job whose row is already committed. Idempotent: a job runs once."""

    def shutdown(self) -> None: ...

    def check(self) -> None:
        """Raise if the runner cannot take work (for the health check)."""


@dataclass
class ServiceState:
    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    runner: JobRunner
    authenticator: Authenticator
    cache: TextCache = field(default_factory=MemoryCache)
    """Shared answers (the product catalogue): on Redis when REDIS_URL is set."""
