"""The daily clean-up's schedule and its sweep of what killed processes left in scratch."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pdf2audiobook.service.jobs.runners.housekeeping import (
    CLEAN_UP_HOUR_UTC,
    seconds_until_clean_up,
    sweep_scratch,
)


@pytest.mark.parametrize(
    ("now", "expected_hours"),
    [
        (datetime(2026, 12, 6, CLEAN_UP_HOUR_UTC - 1, 0, tzinfo=UTC), 1.0),
        (datetime(2026, 12, 6, CLEAN_UP_HOUR_UTC, 0, tzinfo=UTC), 24.0),
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), 24.0 - 23.5 + CLEAN_UP_HOUR_UTC),
    ],
)
def test_the_clean_up_runs_at_its_hour_every_day(now: datetime, expected_hours: float) -> None:
    assert seconds_until_clean_up(now) == pytest.approx(expected_hours * 3600)


def _left_behind(folder: Path, name: str, age: timedelta) -> Path:
    entry = folder / name
    entry.mkdir(parents=True)
    (entry / "input.pdf").write_bytes(b"%PDF-1.7 a user's book")
    (entry / "book.m4b.partial").write_bytes(b"half a book")
    stamp = time.time() - age.total_seconds()
    os.utime(entry, (stamp, stamp))
    return entry


def test_the_daily_sweep_removes_only_scratch_older_than_a_day(tmp_path: Path) -> None:
    old = _left_behind(tmp_path, "extract-old", timedelta(days=2))
    fresh = _left_behind(tmp_path, "synthesise-fresh", timedelta(minutes=5))

    assert sweep_scratch(tmp_path, timedelta(days=1)) == 1

    assert not old.exists()
    assert (fresh / "input.pdf").exists()


def test_a_starting_runner_clears_its_whole_scratch_folder(tmp_path: Path) -> None:
    _left_behind(tmp_path, "extract-a", timedelta(minutes=1))
    (tmp_path / "stray.partial").write_bytes(b"x")

    assert sweep_scratch(tmp_path, timedelta(0)) == 2

    assert list(tmp_path.iterdir()) == []


def test_sweeping_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    assert sweep_scratch(tmp_path / "never-made", timedelta(0)) == 0
