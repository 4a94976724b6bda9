"""A book's progress while its units are spoken in several processes at once."""

from __future__ import annotations

from collections.abc import Sequence

from pdf2audiobook.pipeline.narration.units import WorkUnit
from pdf2audiobook.pipeline.progress import (
    ProgressCallback,
    ProgressEvent,
    Stage,
    synthesis_percent,
)


class BookProgress:
    """Characters and seconds spoken per unit, and the chapters whose units are all done,
    turned into the 40-95 band of progress events.

    A unit that starts again (its process died, or its chapter moved to a fallback voice)
    forgets what it had reported; the percentage shown never goes back, though, so a bar
    does not jump backwards.
    """

    def __init__(self, units: Sequence[WorkUnit], chapters: int, callback: ProgressCallback | None):
        self._units = list(units)
        self._chapters = chapters
        self._callback = callback
        self._total = sum(unit.characters for unit in units)
        self._characters = [0] * len(units)
        self._seconds = [0.0] * len(units)
        self._done: set[int] = set()
        self._parts = [0] * (chapters + 1)
        for unit in units:
            self._parts[unit.chapter] += 1
        self._parts_done = [0] * (chapters + 1)
        self._percent = 0

    @property
    def chapters_done(self) -> int:
        return sum(
            1
            for chapter in range(1, self._chapters + 1)
            if self._parts_done[chapter] == self._parts[chapter]
        )

    def spoke(self, index: int, characters: int, seconds: float) -> None:
        self._characters[index] += characters
        self._seconds[index] += seconds
        self._emit(Stage.SPEAKING)

    def restarted(self, index: int) -> None:
        self._characters[index] = 0
        self._seconds[index] = 0.0
        if index in self._done:
            self._done.discard(index)
            self._parts_done[self._units[index].chapter] -= 1

    def finished(self, index: int, seconds: float) -> None:
        self._characters[index] = self._units[index].characters
        self._seconds[index] = seconds
        if index not in self._done:
            self._done.add(index)
            self._parts_done[self._units[index].chapter] += 1
        self._emit(Stage.SPEAKING)

    def writing(self) -> None:
        self._emit(Stage.WRITING)

    def _emit(self, stage: Stage) -> None:
        if self._callback is None:
            return
        self._percent = max(self._percent, synthesis_percent(sum(self._characters), self._total))
        done = self.chapters_done
        # The chapter a listener waits for: the first one not finished yet.
        waiting = next(
            (
                chapter
                for chapter in range(1, self._chapters + 1)
                if self._parts_done[chapter] < self._parts[chapter]
            ),
            self._chapters,
        )
        self._callback(
            ProgressEvent(
                self._percent,
                stage,
                chapter=waiting,
                chapters=self._chapters,
                audio_seconds=sum(self._seconds),
                chapters_done=done,
            )
        )
