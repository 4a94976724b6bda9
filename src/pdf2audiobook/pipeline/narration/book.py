"""A whole book spoken unit by unit on every core, then joined without re-encoding.

The book is cut into work units (`units.py`); each is spoken, normalised and encoded into
a file of its own by one of the speaking processes (`workers.py`); the files are joined in
order by `join_chapter_files`, which copies their compressed audio. The parent only
schedules and reports, so the cores spend their time on voice and encoder.

Units are handed out one at a time as processes free up (the first chapter's first, then
the longest), which lets the voice of each be chosen when it starts: after a provider's
outage the rest of the book goes to the next voice, and a chapter whose parts ended up
with different voices has the others read again, so a voice never changes inside one.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from pdf2audiobook.pipeline.audio import Pauses, WrittenBook, join_chapter_files
from pdf2audiobook.pipeline.narration.book_progress import BookProgress
from pdf2audiobook.pipeline.narration.model import (
    ChapterSpeech,
    OutputSpec,
    VoiceChoice,
    chapter_characters,
)
from pdf2audiobook.pipeline.narration.speak_unit import UnitJob, UnitOutcome
from pdf2audiobook.pipeline.narration.units import WorkUnit, dispatch_order, split_into_units
from pdf2audiobook.pipeline.narration.workers import UnitWorkers
from pdf2audiobook.pipeline.parallel import PoolError, WorkerLostError
from pdf2audiobook.pipeline.progress import ProgressCallback
from pdf2audiobook.pipeline.voices import SpeechSynthesisError


@dataclass(frozen=True, slots=True)
class Narration:
    book: WrittenBook
    chunks_synthesised: int
    chunks_from_cache: int
    chapter_voices: list[VoiceChoice]
    """Which provider and voice read each chapter, in order."""
    characters_by_provider: dict[str, int]
    """Characters each provider was sent (cache hits included), for cost accounting."""


def narrate_book(
    chapters: Sequence[ChapterSpeech],
    voices: Sequence[VoiceChoice],
    output: OutputSpec,
    workers: UnitWorkers,
    *,
    pauses: Pauses | None = None,
    on_progress: ProgressCallback | None = None,
    part_chars: int | None = None,
) -> Narration:
    """Speak `chapters` with `workers` and write the book to `output.path`.

    `voices` is the primary voice and then its fallbacks; the book is at the primary's
    sample rate. The file appears only when complete; on any failure (or Ctrl-C) the
    workers are ended, the unit files deleted and no output is left. `part_chars`
    overrides the part size (see `split_into_units`). Raises the voice's and the audio
    stage's PipelineErrors, and SpeechSynthesisError when a unit's process died twice.
    """
    units = split_into_units(chapters, workers.size, part_chars)
    progress = BookProgress(units, len(chapters), on_progress)
    with tempfile.TemporaryDirectory(prefix="pdf2audiobook-units-") as scratch:
        schedule = _Schedule(
            chapters, units, list(voices), output, Path(scratch), pauses or Pauses()
        )
        try:
            schedule.run(workers, progress)
        except BaseException:
            # End the processes before their folder goes, so none writes into it after.
            workers.close()
            raise
        progress.writing()
        parts = [
            (chapters[unit.chapter - 1].title if unit.first_of_chapter else None, path)
            for unit, path in zip(units, schedule.paths, strict=True)
        ]
        book = join_chapter_files(parts, output.fmt, output.path, output.tags, output.cover_jpeg)
    chapter_voices = [voices[schedule.chapter_voice(n)] for n in range(1, len(chapters) + 1)]
    characters: dict[str, int] = {}
    for chapter, voice in zip(chapters, chapter_voices, strict=True):
        characters[voice.provider] = characters.get(voice.provider, 0) + chapter_characters(chapter)
    return Narration(
        book,
        schedule.synthesised,
        schedule.from_cache,
        chapter_voices,
        characters,
    )


class _Schedule:
    """Which units are waiting, running and done, and which voice each chapter has."""

    def __init__(
        self,
        chapters: Sequence[ChapterSpeech],
        units: list[WorkUnit],
        voices: list[VoiceChoice],
        output: OutputSpec,
        scratch: Path,
        pauses: Pauses,
    ) -> None:
        self._chapters = chapters
        self._units = units
        self._voices = voices
        self._output = output
        self._pauses = pauses
        self.paths = [
            scratch / f"{unit.chapter:04d}-{unit.part:03d}.{output.fmt}" for unit in units
        ]
        position = {id(unit): index for index, unit in enumerate(units)}
        self._waiting = deque(position[id(unit)] for unit in dispatch_order(units))
        self._running: dict[int, tuple[int, Future[UnitOutcome]]] = {}  # by submission id
        self._outcomes: dict[int, UnitOutcome] = {}
        self._chapter_voice: dict[int, int] = {}
        self._book_voice = 0  # after an outage, new units start with the fallback
        self._last_gain = 0.0
        self._submissions = 0
        self.synthesised = 0
        self.from_cache = 0

    def chapter_voice(self, chapter: int) -> int:
        return self._chapter_voice.get(chapter, 0)

    def run(self, workers: UnitWorkers, progress: BookProgress) -> None:
        self._fill(workers)
        while self._running:
            kind, submission, characters, seconds = workers.receive()
            entry = self._running.get(submission)
            if entry is None:
                continue  # a message from a unit already dealt with
            index = entry[0]
            if kind == "spoke":
                progress.spoke(index, characters, seconds)
            elif kind == "restarted":
                progress.restarted(index)
            elif kind == "done":
                del self._running[submission]
                self._settle(index, _outcome_of(entry[1]), progress)
            self._fill(workers)

    def _fill(self, workers: UnitWorkers) -> None:
        # One unit per process: the next is chosen, with its voice, only when one frees up.
        while self._waiting and len(self._running) < workers.size:
            index = self._waiting.popleft()
            self._submissions += 1
            future = workers.submit(self._submissions, self._job(index))
            self._running[self._submissions] = (index, future)

    def _job(self, index: int) -> UnitJob:
        unit = self._units[index]
        chapter = self._chapters[unit.chapter - 1]
        return UnitJob(
            title=chapter.title,
            chunks=chapter.chunks[unit.start : unit.end],
            voices=self._voices,
            # The parts are joined into the book, which gets the cover; they need none.
            output=OutputSpec(self.paths[index], self._output.fmt, self._output.tags, None),
            first_voice=max(self._book_voice, self.chapter_voice(unit.chapter)),
            opens_book=unit.chapter == 1 and unit.first_of_chapter,
            closes_book=unit.chapter == len(self._chapters) and unit.last_of_chapter,
            fallback_gain_db=self._last_gain,
            pauses=self._pauses,
        )

    def _settle(self, index: int, outcome: UnitOutcome, progress: BookProgress) -> None:
        unit = self._units[index]
        self.synthesised += outcome.chunks_synthesised
        self.from_cache += outcome.chunks_from_cache
        self._book_voice = max(self._book_voice, outcome.voice_index)
        if outcome.gain_db is not None:
            self._last_gain = outcome.gain_db
        wanted = self.chapter_voice(unit.chapter)
        if outcome.voice_index < wanted:
            self._again(index, progress)  # another part of its chapter moved on meanwhile
            return
        if outcome.voice_index > wanted:
            self._chapter_voice[unit.chapter] = outcome.voice_index
            for other in list(self._outcomes):
                if self._units[other].chapter == unit.chapter:
                    del self._outcomes[other]
                    self._again(other, progress)
        self._outcomes[index] = outcome
        progress.finished(index, outcome.duration_seconds)

    def _again(self, index: int, progress: BookProgress) -> None:
        progress.restarted(index)
        self._waiting.appendleft(index)


def _outcome_of(future: Future[UnitOutcome]) -> UnitOutcome:
    try:
        return future.result()
    except WorkerLostError as error:
        raise SpeechSynthesisError(
            "A speaking process stopped unexpectedly twice on the same part of the book (it "
            "may have run out of memory), so the conversion was stopped. Try again with "
            "fewer workers."
        ) from error
    except PoolError as error:
        raise SpeechSynthesisError(f"The speaking processes could not run: {error}") from error
