"""`pdf2audiobook convert` and `pdf2audiobook voices` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av

from pdf2audiobook.cli.progress_bar import describe
from pdf2audiobook.pipeline.progress import ProgressEvent, Stage
from tests.conftest import SAMPLES, corpus_file

COMMAND = str(Path(sys.executable).parent / "pdf2audiobook")


def _run(*args: str, cache: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PDF2AUDIOBOOK_CACHE": str(cache),
        "PATH": "/usr/bin:/bin",
        "HOME": str(home or cache),
    }
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, check=False, timeout=600, env=env
    )


def test_convert_writes_the_book_and_reports_what_it_made(
    tmp_path: Path, sample_chunk_cache: Path
) -> None:
    # The session's chunks of the sample: this tests the command, not the voice again.
    out = tmp_path / "fables.mp3"
    result = _run(
        "convert",
        str(SAMPLES / "sample-book.pdf"),
        "-o",
        str(out),
        "--format",
        "mp3",
        cache=sample_chunk_cache,
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{out}: 0:")
    assert "3 chapters, read by heart at" in result.stdout
    assert "x realtime" in result.stdout
    with av.open(str(out)) as container:
        assert len(container.chapters()) == 3


def test_convert_of_a_bad_file_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "book.m4b"
    result = _run("convert", str(corpus_file(18)), "-o", str(out), cache=tmp_path)
    assert result.returncode == 2
    assert "is not a PDF file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_voice_and_voice_type_together_are_refused(tmp_path: Path) -> None:
    result = _run(
        "convert",
        str(SAMPLES / "sample-book.pdf"),
        "--voice",
        "heart",
        "--voice-type",
        "male",
        cache=tmp_path,
    )
    assert result.returncode == 2
    assert "not both" in result.stderr


def test_voices_lists_availability_and_reasons(tmp_path: Path) -> None:
    result = _run("voices", cache=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "local (available)" in result.stdout
    heart = next(line for line in result.stdout.splitlines() if line.strip().startswith("heart"))
    assert "unavailable" not in heart
    fenrir = next(line for line in result.stdout.splitlines() if "fenrir" in line)
    assert "unavailable" in fenrir


def test_progress_bar_counts_chapters_done_and_audio_made() -> None:
    event = ProgressEvent(
        62, Stage.SPEAKING, chapter=3, chapters=12, audio_seconds=3725.4, chapters_done=2
    )
    assert describe(event) == ("Speaking 2/12 chapters", "1:02:05 of audio")
    assert describe(ProgressEvent(15, Stage.READING)) == ("Reading the PDF", "")
