"""Ctrl-C or a failure mid-book leaves no book, no partial file and no unit files behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book
from pdf2audiobook.pipeline.progress import ProgressEvent, Stage
from pdf2audiobook.pipeline.voices import tone
from tests.conftest import SAMPLES


class Interrupted(KeyboardInterrupt):
    """What Ctrl-C raises in the main thread, raised here while the book is spoken."""


def test_ctrl_c_while_speaking_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    monkeypatch.setenv(tone.SECONDS_PER_CHUNK_ENV_VAR, "0.05")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out"
    out.mkdir()
    seen: list[ProgressEvent] = []

    def press_ctrl_c_once_speaking(event: ProgressEvent) -> None:
        seen.append(event)
        if event.stage == Stage.SPEAKING and event.percent > 40:
            raise Interrupted

    options = ConvertOptions(output=out / "book.m4b", provider="tone", workers=2)
    with pytest.raises(Interrupted):
        convert_book(SAMPLES / "sample-book.pdf", options, press_ctrl_c_once_speaking)

    assert seen[-1].stage == Stage.SPEAKING
    assert list(out.iterdir()) == []
    assert list(scratch.iterdir()) == []
