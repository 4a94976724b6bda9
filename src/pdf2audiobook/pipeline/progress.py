"""Progress reports from the pipeline, on the design document's milestones.

5 when work starts, 15 when the text is extracted, 35 when it is cleaned and ready
for speech, 40 to 95 across the synthesis of the chapters, 100 when the book is
written. The CLI draws a bar from these; the service stores them on the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    STARTING = "starting"
    READING = "reading"
    CLEANING = "cleaning"
    SPEAKING = "speaking"
    WRITING = "writing"
    DONE = "done"


MILESTONE_STARTED = 5
MILESTONE_EXTRACTED = 15
MILESTONE_PREPARED = 35
SYNTHESIS_START = 40
SYNTHESIS_END = 95
MILESTONE_DONE = 100


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    percent: int
    stage: Stage
    chapter: int | None = None
    """1-based chapter being synthesised."""
    chapters: int | None = None
    audio_seconds: float = 0.0
    """Audio produced so far, for a speed and ETA estimate."""
    chapters_done: int = 0
    """Chapters whose audio is fully written to the book."""
    detail: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def synthesis_percent(done_chars: int, total_chars: int) -> int:
    """Position within the 40-95 band, by share of characters spoken so far."""
    if total_chars <= 0:
        return SYNTHESIS_END
    share = min(max(done_chars / total_chars, 0.0), 1.0)
    return SYNTHESIS_START + int(share * (SYNTHESIS_END - SYNTHESIS_START))
