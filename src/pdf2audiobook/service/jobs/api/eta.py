"""How long a job has run and how long it has left, from progress seen at known times.

The estimate is a measurement, not a guess from the book's size: the speed is the progress
made across the synthesis band (40-95, see `pipeline.progress`) divided by the time it took,
and the time left is the rest of that band at the same speed. Extraction before the band and
assembly after it run at other speeds, so they are neither measured nor predicted. Pure
functions of their arguments: the caller supplies every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pdf2audiobook.pipeline.progress import SYNTHESIS_END, SYNTHESIS_START


@dataclass(frozen=True, slots=True)
class ProgressSample:
    """The job's progress (0-100) as first seen at `at`."""

    at: datetime
    progress: int


def with_sample(
    samples: Sequence[ProgressSample], sample: ProgressSample
) -> tuple[ProgressSample, ...]:
    """`samples` with `sample` added when the progress moved.

    An unchanged progress adds nothing, so each sample is the first sighting of its value,
    the closest to when it was reached. Progress going backwards means the job started over
    (a retry), so the earlier samples are dropped.
    """
    if samples and sample.progress == samples[-1].progress:
        return tuple(samples)
    if samples and sample.progress < samples[-1].progress:
        return (sample,)
    return (*samples, sample)


def eta_seconds(samples: Sequence[ProgressSample]) -> float | None:
    """Seconds from the last sample until synthesis ends, at the speed measured so far.

    `samples` are in time order, as `with_sample` builds them. None when unknown: fewer than
    two samples inside the synthesis band, no progress or no time between them, or the
    synthesis already over.
    """
    if not samples or samples[-1].progress >= SYNTHESIS_END:
        return None
    in_band = [s for s in samples if s.progress >= SYNTHESIS_START]
    if len(in_band) < 2:
        return None
    first, last = in_band[0], in_band[-1]
    seconds = (last.at - first.at).total_seconds()
    points = last.progress - first.progress
    if seconds <= 0 or points <= 0:
        return None
    return (SYNTHESIS_END - last.progress) * seconds / points


def elapsed_seconds(
    started_at: datetime | None, finished_at: datetime | None, now: datetime
) -> float | None:
    """How long the job has been running (until `now`), or ran; None before it started."""
    if started_at is None:
        return None
    return max(((finished_at or now) - started_at).total_seconds(), 0.0)
