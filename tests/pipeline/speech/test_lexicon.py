"""Lexicon: the user's respellings, parsed from a small text file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.speech import Lexicon, LexiconError


def _lexicon_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "names.lexicon"
    path.write_text(text, encoding="utf-8")
    return path


def test_whole_words_are_respelled_whatever_their_case(tmp_path: Path) -> None:
    lexicon = Lexicon.load(_lexicon_file(tmp_path, "Hermione = her-my-oh-nee\n"))
    assert lexicon.apply("Hermione and HERMIONE and hermione.") == (
        "her-my-oh-nee and her-my-oh-nee and her-my-oh-nee."
    )


def test_only_whole_words_are_respelled(tmp_path: Path) -> None:
    lexicon = Lexicon.load(_lexicon_file(tmp_path, "cat = kat\n"))
    assert lexicon.apply("cat catalogue scat cat's (cat)") == "kat catalogue scat kat's (kat)"


def test_a_phrase_wins_over_a_word_it_starts_with(tmp_path: Path) -> None:
    lexicon = Lexicon.load(_lexicon_file(tmp_path, "New = noo\nNew York = noo york city\n"))
    assert lexicon.apply("New York is new.") == "noo york city is noo."


def test_patterns_are_applied_as_written_with_groups(tmp_path: Path) -> None:
    lexicon = Lexicon.load(
        _lexicon_file(tmp_path, r"/\bSQL\b/ = sequel" + "\n" + r"/(\w+)ise\b/ = \1ize" + "\n")
    )
    assert lexicon.apply("SQL and sql organise") == "sequel and sql organize"


def test_comments_blank_lines_and_spaces_are_ignored(tmp_path: Path) -> None:
    text = "# names from the book\n\n   Tolkien   =   Toll-keen  \n  # another comment\n"
    lexicon = Lexicon.load(_lexicon_file(tmp_path, text))
    assert lexicon.entries == 1
    assert lexicon.apply("Tolkien wrote.") == "Toll-keen wrote."


def test_entries_counts_distinct_words_and_patterns(tmp_path: Path) -> None:
    text = "Smythe = smith\nSMYTHE = smyth\nNew York = noo york\n/x+/ = y\n"
    assert Lexicon.load(_lexicon_file(tmp_path, text)).entries == 3


def test_the_later_of_two_entries_for_a_word_wins(tmp_path: Path) -> None:
    lexicon = Lexicon.load(_lexicon_file(tmp_path, "Smythe = smith\nsmythe = smyth\n"))
    assert lexicon.apply("Smythe") == "smyth"


def test_respellings_are_not_reapplied_to_each_other(tmp_path: Path) -> None:
    lexicon = Lexicon.load(_lexicon_file(tmp_path, "a = b\nb = c\n"))
    assert lexicon.apply("a b") == "b c"


def test_empty_lexicon_changes_nothing() -> None:
    lexicon = Lexicon.empty()
    assert lexicon.entries == 0
    assert lexicon.apply("Anything at all, 1887.") == "Anything at all, 1887."


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("good = fine\nno separator here\n", 2, "no `=`"),
        ("= orphan\n", 1, "nothing before `=`"),
        ("# comment\n\nword =   \n", 3, "no respelling"),
        ("/[unclosed/ = x\n", 1, "invalid regular expression"),
        (r"/(a)/ = \2" + "\n", 1, "invalid regular expression"),
        ("/abc/ =\n", 1, "no replacement"),
        ("/abc = x\n", 1, "closing `/`"),
        ("/a*/ = x\n", 1, "matches empty text"),
    ],
)
def test_a_bad_line_is_reported_with_file_line_and_reason(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = _lexicon_file(tmp_path, text)
    with pytest.raises(LexiconError) as raised:
        Lexicon.load(path)
    message = raised.value.message
    assert path.name in message
    assert f"line {line}:" in message
    assert reason in message
    assert isinstance(raised.value, PipelineError)


def test_a_missing_file_is_a_lexicon_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"missing\.lexicon"):
        Lexicon.load(tmp_path / "missing.lexicon")


def test_a_file_that_is_not_utf8_is_a_lexicon_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.lexicon"
    path.write_bytes("caf\xe9 = kafay\n".encode("latin-1"))
    with pytest.raises(LexiconError, match=r"latin1\.lexicon"):
        Lexicon.load(path)
