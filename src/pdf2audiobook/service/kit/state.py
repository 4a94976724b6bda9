"""The service's long-lived parts, built once per process and shared by requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.auth import Authenticator
from pdf2audiobook.service.jobs.runner import JobRunner
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.storage.base import Storage


@dataclass
class ServiceState:
    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    runner: JobRunner
    authenticator: Authenticator


@dataclass
class UnitOfWork:
    """One request's session, plus work that may only happen once it has committed."""

    session: Session
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` after the request's transaction commits (e.g. enqueue a job)."""
        self._after_commit.append(action)

    def run_after_commit(self) -> None:
        for action in self._after_commit:
            action()
