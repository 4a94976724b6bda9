"""Refusing a document with far too few words for its pages to be worth reading aloud.

Without this, a PDF whose text lives in pictures that no one could read becomes an
audiobook of a few seconds, split into chapters, with no word of warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from pdf2audiobook.pipeline.errors import NoTextError

MIN_WORDS_PER_PAGE = 5.0
"""Fewest words per page, on average, of a document worth reading aloud. The sparsest
real book in the test corpus has about 230 words a page; documents whose text is in
pictures come out near one word a page or less."""


def count_words(texts: Iterable[str]) -> int:
    """Words in `texts`: runs between spaces holding at least one letter or digit."""
    return sum(1 for text in texts for token in text.split() if any(ch.isalnum() for ch in token))


def has_enough_words(words: int, pages: int) -> bool:
    return words >= MIN_WORDS_PER_PAGE * pages


def check_enough_text(file_name: str, words: int, pages: int, ocr_was_on: bool) -> None:
    """Raise `NoTextError` when `words` are too few for `pages`, saying what to try."""
    if has_enough_words(words, pages):
        return
    if ocr_was_on:
        advice = (
            "If the pages are scanned images, OCR could not read them: "
            "try a clearer scan or another file."
        )
    else:
        advice = "If the pages are scanned images, convert with OCR on; otherwise try another file."
    raise NoTextError(
        f"{file_name} has {_counted(words, 'word')} on {_counted(pages, 'page')}: "
        f"too little to read aloud. {advice}"
    )


def _counted(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
