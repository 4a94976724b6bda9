"""chapter_speech: the chunks of a chapter and the pauses between them."""

from __future__ import annotations

from pathlib import Path

from pdf2audiobook.pipeline.speech import Lexicon, Pause, SpeechChunk, chapter_speech


def test_title_then_paragraphs_with_their_pauses() -> None:
    chunks = chapter_speech(
        "Chapter III: The Wolf",
        ["The Wolf met a Lamb. He spoke.", "The Lamb replied."],
        max_chars=400,
    )
    assert chunks == [
        SpeechChunk("Chapter three: The Wolf.", Pause.TITLE),
        SpeechChunk("The Wolf met a Lamb. He spoke.", Pause.PARAGRAPH),
        SpeechChunk("The Lamb replied.", Pause.CHAPTER),
    ]


def test_chunks_inside_a_paragraph_are_followed_by_a_sentence_pause() -> None:
    paragraph = "First sentence here. Second sentence here. Third sentence here."
    chunks = chapter_speech("Title", [paragraph, "Last."], max_chars=25)
    assert [chunk.pause_after for chunk in chunks] == [
        Pause.TITLE,
        Pause.SENTENCE,
        Pause.SENTENCE,
        Pause.PARAGRAPH,
        Pause.CHAPTER,
    ]
    assert all(len(chunk.text) <= 25 for chunk in chunks)


def test_a_title_keeps_its_own_final_punctuation() -> None:
    assert chapter_speech("Who Was He?", ["Text."], 100)[0].text == "Who Was He?"
    assert chapter_speech("The End.", ["Text."], 100)[0].text == "The End."


def test_paragraphs_are_normalised() -> None:
    chunks = chapter_speech("One", ["It cost $4.50 on 12th of November, 1887."], 400)
    assert chunks[1].text == (
        "It cost four dollars and fifty cents on the twelfth of November, eighteen eighty-seven."
    )


def test_a_notes_heading_stays_as_it_is() -> None:
    chunks = chapter_speech("One", ["Text.", "Notes.", "1. A note."], 400)
    assert chunks[2] == SpeechChunk("Notes.", Pause.PARAGRAPH)


def test_paragraphs_with_nothing_to_say_are_dropped() -> None:
    chunks = chapter_speech("One", ["[12]", "Text.", "* * *", "\u2020", "   "], 400)
    assert [chunk.text for chunk in chunks] == ["One.", "Text."]
    assert chunks[-1].pause_after is Pause.CHAPTER


def test_a_chapter_with_only_a_title_ends_with_a_chapter_pause() -> None:
    assert chapter_speech("Epilogue", [], 400) == [SpeechChunk("Epilogue.", Pause.CHAPTER)]


def test_an_empty_chapter_has_no_chunks() -> None:
    assert chapter_speech("", ["[3]"], 400) == []


def test_the_lexicon_applies_after_normalisation(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.txt"
    path.write_text("Tolkien = Toll-keen\nthree = THREE\n", encoding="utf-8")
    chunks = chapter_speech("Chapter III", ["Tolkien wrote 3 books."], 400, Lexicon.load(path))
    assert [chunk.text for chunk in chunks] == ["Chapter THREE.", "Toll-keen wrote THREE books."]


def test_respellings_are_not_normalised_again(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.txt"
    path.write_text("Watson = Dr. Watson & co\n", encoding="utf-8")
    chunks = chapter_speech("T", ["Watson came."], 400, Lexicon.load(path))
    assert chunks[1].text == "Dr. Watson & co came."
