"""One request's session, and what may happen only once its transaction has committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


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
