"""chunk_text: sentence-aligned chunks no longer than the engine takes."""

from __future__ import annotations

import random

import pytest

from pdf2audiobook.pipeline.speech import chunk_text

_WORDS = ("the", "wolf", "lamb", "river", "and", "but", "because", "which", "extraordinarily")
_CLOSERS = [".", ".", ".", "!", "?", ",", ";", ":", " \u2014", ""]


def _random_text(generator: random.Random) -> str:
    pieces: list[str] = []
    for _ in range(generator.randint(0, 80)):
        word = generator.choice(_WORDS)
        if generator.random() < 0.15:
            word = word.capitalize()
        if generator.random() < 0.02:
            word = "x" * generator.randint(30, 120)  # a "word" longer than some limits
        pieces.append(word + (generator.choice(_CLOSERS) if generator.random() < 0.2 else ""))
    return " ".join(pieces)


def _words_are_whole(chunks: list[str], text: str) -> bool:
    return [word for chunk in chunks for word in chunk.split()] == text.split()


def test_random_texts_keep_every_word_and_respect_the_limit() -> None:
    generator = random.Random(1887)
    for _ in range(1500):
        text = _random_text(generator)
        max_chars = generator.choice([20, 40, 80, 150, 400])
        chunks = chunk_text(text, max_chars)
        assert all(0 < len(chunk) <= max_chars for chunk in chunks), (max_chars, chunks)
        assert all(chunk == chunk.strip() for chunk in chunks)
        assert "".join("".join(chunks).split()) == "".join(text.split())
        if all(len(word) <= max_chars for word in text.split()):
            assert _words_are_whole(chunks, text), (max_chars, chunks)


def test_whole_sentences_are_packed_together() -> None:
    text = "One two. Three four. Five six. Seven eight."
    assert chunk_text(text, 22) == ["One two. Three four.", "Five six. Seven eight."]
    assert chunk_text(text, 21) == ["One two. Three four.", "Five six.", "Seven eight."]


def test_a_sentence_is_not_cut_when_it_fits() -> None:
    text = "A short one. " + "This sentence has exactly enough room to stay whole."
    chunks = chunk_text(text, 52)
    assert "This sentence has exactly enough room to stay whole." in chunks


@pytest.mark.parametrize(
    ("sentence", "max_chars", "first"),
    [
        (
            "He came early; she came late, and nobody waited for either of them.",
            40,
            "He came early;",
        ),
        ("Red, green and blue lights shone over the quiet water all night long.", 30, "Red, green"),
        (
            "The wolf seized the lamb and carried it far away into the forest.",
            40,
            "The wolf seized the lamb",
        ),
        (
            "Spaces only here nothing else to go on at all today really.",
            25,
            "Spaces only here nothing",
        ),
    ],
)
def test_a_long_sentence_is_cut_at_the_best_boundary_first(
    sentence: str, max_chars: int, first: str
) -> None:
    chunks = chunk_text(sentence, max_chars)
    assert chunks[0] == first
    assert all(len(chunk) <= max_chars for chunk in chunks)


def test_a_word_longer_than_the_limit_is_the_only_word_cut() -> None:
    chunks = chunk_text("go " + "a" * 25 + " now", 10)
    assert chunks == ["go", "a" * 10, "a" * 10, "aaaaa now"]


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_has_no_chunks(text: str) -> None:
    assert chunk_text(text, 100) == []
