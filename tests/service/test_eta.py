"""The ETA is measured across the synthesis band from progress seen at given times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pdf2audiobook.service.jobs.api.eta import (
    ProgressSample,
    elapsed_seconds,
    eta_seconds,
    with_sample,
)

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float, progress: int) -> ProgressSample:
    return ProgressSample(START + timedelta(seconds=seconds), progress)


def samples(*points: tuple[float, int]) -> tuple[ProgressSample, ...]:
    built: tuple[ProgressSample, ...] = ()
    for seconds, progress in points:
        built = with_sample(built, at(seconds, progress))
    return built


def test_eta_is_the_rest_of_the_band_at_the_measured_speed() -> None:
    # 10 points in 50 s is 5 s a point; 45 points left.
    assert eta_seconds(samples((0, 40), (50, 50))) == pytest.approx(225.0)


def test_eta_uses_the_speed_over_the_whole_band_seen_so_far() -> None:
    # A fast start and a slow stretch: 20 points in 300 s overall, 35 points left.
    history = samples((0, 40), (20, 50), (300, 60))

    assert eta_seconds(history) == pytest.approx(525.0)


def test_time_before_synthesis_is_not_counted() -> None:
    # Extraction took 10 minutes; synthesis runs at 2 s a point.
    history = samples((0, 5), (600, 35), (610, 40), (630, 50))

    assert eta_seconds(history) == pytest.approx(90.0)


@pytest.mark.parametrize(
    "points",
    [
        (),
        ((0, 0),),
        ((0, 5), (60, 15), (120, 35)),
        ((0, 40),),
        ((0, 35), (60, 45)),
    ],
    ids=["no samples", "at 0%", "before synthesis", "synthesis just began", "one band sample"],
)
def test_eta_is_unknown_until_synthesis_progress_is_measured(
    points: tuple[tuple[float, int], ...],
) -> None:
    assert eta_seconds(samples(*points)) is None


def test_eta_is_unknown_once_synthesis_is_over() -> None:
    assert eta_seconds(samples((0, 40), (100, 95))) is None
    assert eta_seconds(samples((0, 40), (100, 90), (110, 99))) is None


def test_eta_is_unknown_when_no_time_has_passed() -> None:
    assert eta_seconds((at(0, 40), at(0, 50))) is None


def test_unchanged_progress_keeps_its_first_sighting() -> None:
    history = samples((0, 40), (30, 40), (60, 40), (100, 50))

    assert history == (at(0, 40), at(100, 50))
    assert eta_seconds(history) == pytest.approx(450.0)


def test_progress_going_back_starts_the_measurement_over() -> None:
    # A retry: the first run's speed says nothing about the second's.
    history = samples((0, 40), (10, 80), (20, 0), (100, 40), (200, 50))

    assert history == (at(20, 0), at(100, 40), at(200, 50))
    assert eta_seconds(history) == pytest.approx(450.0)


def test_elapsed_runs_to_now_then_stops_at_the_finish() -> None:
    started = START
    now = START + timedelta(seconds=75)

    assert elapsed_seconds(None, None, now) is None
    assert elapsed_seconds(started, None, now) == 75.0
    assert elapsed_seconds(started, started + timedelta(seconds=30), now) == 30.0
