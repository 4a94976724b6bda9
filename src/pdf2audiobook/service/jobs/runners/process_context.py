"""The stage context of a worker process: its own database engine and storage client.

Made on first use and again after a fork: a forked child must never use its parent's
database connections, so it drops the inherited engine without closing them.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine

from pdf2audiobook.service.jobs.stages import StageContext
from pdf2audiobook.service.kit.db import create_engine_from_settings, session_factory
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.storage.factory import storage_from_settings


class ProcessContext:
    def __init__(
        self, settings: Settings, interruptions: tuple[type[BaseException], ...] = ()
    ) -> None:
        self._settings = settings
        self._interruptions = interruptions
        self._engine: Engine | None = None
        self._context: StageContext | None = None
        self._pid = 0

    def get(self) -> StageContext:
        if self._context is None or self._pid != os.getpid():
            self.forget()
            engine = create_engine_from_settings(self._settings)
            self._engine = engine
            self._context = StageContext(
                self._settings,
                session_factory(engine),
                storage_from_settings(self._settings),
                interruptions=self._interruptions,
            )
            self._pid = os.getpid()
        return self._context

    def forget(self) -> None:
        """Drop the engine without closing its connections: after a fork they belong to
        the parent, and closing them here would break its sessions."""
        if self._engine is not None:
            self._engine.dispose(close=False)
        self._engine = None
        self._context = None
