"""split_sentences: full stops that end a sentence, and the many that do not."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.speech import split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("We went to St. Paul's. It was shut.", ["We went to St. Paul's.", "It was shut."]),
        ("Use a tool, e.g. a saw. Or i.e. Not.", ["Use a tool, e.g. a saw.", "Or i.e. Not."]),
        ("Apples, pears, etc. Then plums.", ["Apples, pears, etc.", "Then plums."]),
        ("The U.S. Army came. It left.", ["The U.S. Army came.", "It left."]),
        ("J. R. R. Tolkien wrote it. Fine.", ["J. R. R. Tolkien wrote it.", "Fine."]),
        ("Pi is 3.14. Roughly.", ["Pi is 3.14.", "Roughly."]),
        ("See No. 4 there. Good.", ["See No. 4 there.", "Good."]),
        ("He said no. Then left.", ["He said no.", "Then left."]),
        ("Wait... what? Yes.", ["Wait... what?", "Yes."]),
        ("Wait... Then it came.", ["Wait...", "Then it came."]),
        ('He said "Go." Then he left.', ['He said "Go."', "Then he left."]),
        ('"Go!" he said. "Now!" She ran.', ['"Go!" he said.', '"Now!"', "She ran."]),
        ("(As noted.) Next one.", ["(As noted.)", "Next one."]),
        ("\u201cStop.\u201d He did.", ["\u201cStop.\u201d", "He did."]),
        ("Ends without a stop", ["Ends without a stop"]),
        ("  spaced   out.   Again.  ", ["spaced   out.", "Again."]),
    ],
)
def test_sentences_end_only_where_a_sentence_ends(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_no_sentence_is_empty(text: str) -> None:
    assert split_sentences(text) == []


def test_sentences_joined_give_back_the_text_apart_from_whitespace() -> None:
    text = 'Mr. A said "Hi." Then? Yes!  And... no.\nNew line. 3.5 is e.g. fine etc. Done.'
    assert " ".join(split_sentences(text)).split() == text.split()


def test_splitting_a_long_text_takes_linear_time() -> None:
    text = "Word. " * 20000 + "X" * 100000 + ". End."
    assert len(split_sentences(text)) == 20002
