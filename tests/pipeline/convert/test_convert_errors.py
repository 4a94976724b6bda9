"""Bad options and bad input fail fast, with a message, and leave no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.convert import ConvertOptions, InvalidOptionError, convert_book
from pdf2audiobook.pipeline.errors import PasswordRequiredError, UnsupportedFormatError
from pdf2audiobook.pipeline.progress import ProgressEvent
from pdf2audiobook.pipeline.speech import LexiconError
from pdf2audiobook.pipeline.voices import UnknownProviderError, VoiceUnavailableError
from tests.conftest import SAMPLES, corpus_file


def _convert_expecting_nothing_written(
    pdf: Path, options: ConvertOptions, error: type[Exception], match: str
) -> list[ProgressEvent]:
    events: list[ProgressEvent] = []
    assert options.output is not None
    with pytest.raises(error, match=match):
        convert_book(pdf, options, events.append)
    assert list(options.output.parent.iterdir()) == []
    return events


@pytest.mark.parametrize("speed", [0.4, 2.5])
def test_speed_out_of_range_is_refused_before_reading(tmp_path: Path, speed: float) -> None:
    options = ConvertOptions(output=tmp_path / "book.m4b", speed=speed)
    events = _convert_expecting_nothing_written(
        SAMPLES / "sample-book.pdf", options, InvalidOptionError, "0.5 to 2.0"
    )
    assert events == []


def test_unknown_provider_lists_the_known_ones(tmp_path: Path) -> None:
    options = ConvertOptions(output=tmp_path / "book.m4b", provider="nosuch")
    _convert_expecting_nothing_written(
        SAMPLES / "sample-book.pdf", options, UnknownProviderError, "local"
    )


def test_voice_that_needs_a_download_is_refused_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "empty-hibari-home"))
    out = tmp_path / "out"
    out.mkdir()
    options = ConvertOptions(output=out / "book.m4b", voice="fenrir")
    _convert_expecting_nothing_written(
        SAMPLES / "sample-book.pdf", options, VoiceUnavailableError, "fenrir"
    )


def test_broken_lexicon_names_its_line(tmp_path: Path) -> None:
    lexicon = tmp_path / "words.txt"
    lexicon.write_text("# names\nAesop = EE-sop\nno equals sign here\n")
    out = tmp_path / "out"
    out.mkdir()
    options = ConvertOptions(output=out / "book.m4b", lexicon=lexicon)
    _convert_expecting_nothing_written(SAMPLES / "sample-book.pdf", options, LexiconError, "line 3")


@pytest.mark.parametrize(
    ("number", "error", "match"),
    [(18, UnsupportedFormatError, "not a PDF"), (12, PasswordRequiredError, "password")],
)
def test_bad_pdf_fails_with_its_reason_and_writes_nothing(
    tmp_path: Path, number: int, error: type[Exception], match: str
) -> None:
    options = ConvertOptions(output=tmp_path / "book.m4b")
    _convert_expecting_nothing_written(corpus_file(number), options, error, match)
