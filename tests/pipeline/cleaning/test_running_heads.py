"""The hybrid running-head rule on hand-built pages."""

from __future__ import annotations

import itertools

from pdf2audiobook.pipeline.cleaning.running_heads import find_running_heads, is_bare_page_number
from pdf2audiobook.pipeline.document import PageText, RemovalReason, TextLine

BODY = 10.0


def _line(text: str, top: float, size: float = BODY) -> TextLine:
    return TextLine(text, 72, top, 500, top + size * 0.7, size, size)


def _page(number: int, *lines: TextLine) -> PageText:
    return PageText(number, 612, 792, tuple(lines))


_WORDS = [
    "amber",
    "basil",
    "cedar",
    "daisy",
    "elder",
    "fern",
    "gorse",
    "hazel",
    "iris",
    "juniper",
    "kale",
    "laurel",
]
_fresh = itertools.count()


def _body(top: float) -> TextLine:
    # Body lines differ from page to page, and never by digits alone.
    n = next(_fresh)
    word = _WORDS[n % len(_WORDS)] + _WORDS[(n // len(_WORDS)) % len(_WORDS)]
    return _line(f"An ordinary line of body text about {word} and more.", top)


def test_recurring_header_and_folio_are_removed_with_their_reasons() -> None:
    pages = [
        _page(n, _line("A Short Book", 40), _body(100), _body(120), _line(str(n), 750))
        for n in range(1, 6)
    ]
    removed = find_running_heads(pages, BODY)
    for n in range(1, 6):
        assert removed[(n, 0)] is RemovalReason.HEADER
        assert removed[(n, 3)] is RemovalReason.PAGE_NUMBER
        assert (n, 1) not in removed


def test_chapter_heading_in_large_type_at_the_top_is_kept() -> None:
    pages = [
        _page(n, _line(f"Chapter {n}", 40, size=18), _body(100), _body(120), _body(140))
        for n in range(1, 6)
    ]
    assert find_running_heads(pages, BODY) == {}


def test_label_repeated_in_the_body_as_often_is_kept() -> None:
    pages = [
        _page(
            n,
            _line("Note", 40),
            _body(100),
            _line("Note", 300),
            _body(320),
            _body(340),
            _body(360),
        )
        for n in range(1, 5)
    ]
    assert find_running_heads(pages, BODY) == {}


def test_text_on_fewer_than_three_pages_is_not_a_running_head() -> None:
    pages = [_page(n, _line("Once upon a time", 40), _body(100)) for n in range(1, 3)]
    assert find_running_heads(pages, BODY) == {}


def test_head_that_changes_each_section_is_found_by_its_folio() -> None:
    titles = ["1.1 ORIGINS", "1.2 TYPES", "1.3 PAPER", "1.4 INK", "1.5 BINDING"]
    pages = [
        _page(n, _line(f"{title} {n + 8}", 40), _body(100), _body(120))
        for n, title in enumerate(titles, start=1)
    ]
    removed = find_running_heads(pages, BODY)
    assert {key for key, reason in removed.items() if reason is RemovalReason.HEADER} == {
        (n, 0) for n in range(1, 6)
    }


def test_bare_page_number_forms() -> None:
    for folio in ("12", "xii", "Page 3 of 9", "12 / 261", "page 7"):
        assert is_bare_page_number(folio)
    for text in ("12 apples", "Chapter 3", "1984 was a year"):
        assert not is_bare_page_number(text)
