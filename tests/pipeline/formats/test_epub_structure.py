"""What EPUB books mark up besides chapters: notes, navigation pages, pages out of the
reading order, things with nothing to say aloud, books without a table of contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.document import Book, RemovalReason
from pdf2audiobook.pipeline.formats.epub import read_epub
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from tests.pipeline.formats.epub_files import nav_document, package, page, write_epub

WORDS = " ".join(["Plain words for the listener to hear."] * 12)


def book_from(
    tmp_path: Path,
    pages: dict[str, str],
    entries: list[tuple[str, str]] | None,
    *,
    linear_no: tuple[str, ...] = (),
    nav_in_spine: bool = False,
    footnotes: FootnotePolicy = FootnotePolicy.END,
) -> Book:
    files: dict[str, str | bytes] = {f"OEBPS/{name}": text for name, text in pages.items()}
    spine = list(pages)
    if entries is not None:
        files["OEBPS/nav.xhtml"] = nav_document(entries)
        if nav_in_spine:
            spine.insert(0, "nav.xhtml")
    files["OEBPS/content.opf"] = package(
        spine, linear_no=linear_no, nav="nav.xhtml" if entries is not None else None
    )
    path = write_epub(tmp_path / "book.epub", files)
    return flow_to_book(read_epub(path, ReadLimits()), footnotes)


def removed(book: Book, reason: RemovalReason) -> list[str]:
    return [block.text for block in book.removed if block.reason is reason]


FOOTNOTED = page(
    "<h1>One</h1>"
    f'<p>The claim<a epub:type="noteref" href="#fn1">1</a> stands. {WORDS}</p>'
    '<aside epub:type="footnote" id="fn1"><p>Where the claim comes from.</p></aside>'
)


def test_footnote_marker_leaves_the_text_and_the_note_ends_its_chapter(tmp_path: Path) -> None:
    book = book_from(tmp_path, {"one.xhtml": FOOTNOTED}, [("One", "one.xhtml")])
    chapter = book.chapters[0]
    assert chapter.paragraphs[0].text.startswith("The claim stands.")
    assert [note.text for note in chapter.notes] == ["Where the claim comes from."]
    assert removed(book, RemovalReason.FOOTNOTE_MARKER) == ["1"]
    assert "Notes.\n\nWhere the claim comes from." in chapter.text


def test_footnotes_drop_leaves_the_note_out_and_lists_it(tmp_path: Path) -> None:
    book = book_from(
        tmp_path,
        {"one.xhtml": FOOTNOTED},
        [("One", "one.xhtml")],
        footnotes=FootnotePolicy.DROP,
    )
    assert book.chapters[0].notes == []
    assert "Where the claim comes from" not in book.chapters[0].text
    assert removed(book, RemovalReason.FOOTNOTE) == ["Where the claim comes from."]


def test_endnotes_follow_the_chapter_that_refers_to_them(tmp_path: Path) -> None:
    pages = {
        "one.xhtml": page(
            f'<h1>One</h1><p>First<sup><a href="notes.xhtml#n1">1</a></sup>. {WORDS}</p>'
        ),
        "two.xhtml": page(
            f'<h1>Two</h1><p>Second<a role="doc-noteref" href="notes.xhtml#n2">2</a>. {WORDS}</p>'
        ),
        "notes.xhtml": page(
            '<section epub:type="endnotes"><h1>Notes</h1><ol>'
            '<li id="n1"><p>Note to one. <a href="one.xhtml" role="doc-backlink">↩</a></p></li>'
            '<li id="n2"><p>Note to two.</p></li></ol></section>'
        ),
    }
    entries = [("One", "one.xhtml"), ("Two", "two.xhtml"), ("Notes", "notes.xhtml")]
    book = book_from(tmp_path, pages, entries)
    assert [chapter.title for chapter in book.chapters] == ["One", "Two"]
    assert [n.text for n in book.chapters[0].notes] == ["Note to one."]
    assert [n.text for n in book.chapters[1].notes] == ["Note to two."]
    assert removed(book, RemovalReason.HEADING) == ["Notes"]


def test_epub2_note_links_with_brackets_and_classes_are_markers(tmp_path: Path) -> None:
    pages = {
        "one.xhtml": page(
            "<h2>One</h2>"
            '<p>Told<a id="FNanchor_1" href="#Footnote_1" class="fnanchor">[1]</a> once. '
            f"{WORDS}</p>"
            '<div class="footnote"><p><a id="Footnote_1" href="#FNanchor_1">'
            '<span class="label">[1]</span></a> An old note.</p></div>'
            "<p>See <a href='two.xhtml#x'>the next chapter</a> for more.</p>"
        ),
        "two.xhtml": page(f"<h2>Two</h2><p id='x'>{WORDS}</p>"),
    }
    book = book_from(tmp_path, pages, [("One", "one.xhtml"), ("Two", "two.xhtml")])
    chapter = book.chapters[0]
    assert chapter.paragraphs[0].text.startswith("Told once.")
    assert [n.text for n in chapter.notes] == ["An old note."]
    assert "See the next chapter for more." in chapter.text


def test_pages_that_only_navigate_are_skipped_and_listed(tmp_path: Path) -> None:
    pages = {
        "contents.xhtml": page(
            '<section epub:type="toc"><h1>Contents</h1><p>One ... 1</p></section>'
        ),
        "one.xhtml": page(f"<h1>One</h1><p>{WORDS}</p>"),
        "index.xhtml": page("<h1>Index</h1><p>words, 1</p>", body_attributes=' epub:type="index"'),
    }
    entries = [("Contents", "contents.xhtml"), ("One", "one.xhtml"), ("Index", "index.xhtml")]
    book = book_from(tmp_path, pages, entries, nav_in_spine=True)
    assert [chapter.title for chapter in book.chapters] == ["One"]
    contents = removed(book, RemovalReason.CONTENTS)
    assert len(contents) == 2  # the navigation document and the printed contents
    assert any("One ... 1" in text for text in contents)
    assert removed(book, RemovalReason.BACK_MATTER) == ["Index words, 1"]


def test_images_scripts_styles_and_svg_say_nothing(tmp_path: Path) -> None:
    body = (
        "<h1>One</h1>"
        f'<p>Before <img src="a.png" alt="A picture of a cat"/>after. {WORDS}</p>'
        "<script>document.write('script words')</script>"
        '<svg xmlns="http://www.w3.org/2000/svg"><text>vector words</text></svg>'
        '<p>Page <span epub:type="pagebreak" id="p7">7</span>turned.</p>'
    )
    book = book_from(tmp_path, {"one.xhtml": page(body)}, [("One", "one.xhtml")])
    text = book.chapters[0].text
    assert "Before after." in text
    assert "Page turned." in text
    for silent in ("cat", "script words", "vector words", "color: red"):
        assert silent not in text


def test_pages_outside_the_reading_order_are_listed_unless_the_contents_name_them(
    tmp_path: Path,
) -> None:
    pages = {
        "one.xhtml": page(f"<h1>One</h1><p>{WORDS}</p>"),
        "answers.xhtml": page("<h1>Answers</h1><p>The answer is four.</p>"),
        "appendix.xhtml": page(f"<h1>Appendix</h1><p>{WORDS}</p>"),
    }
    entries = [("One", "one.xhtml"), ("Appendix", "appendix.xhtml")]
    book = book_from(tmp_path, pages, entries, linear_no=("answers.xhtml", "appendix.xhtml"))
    assert [chapter.title for chapter in book.chapters] == ["One", "Appendix"]
    assert removed(book, RemovalReason.BACK_MATTER) == ["Answers The answer is four."]


def test_without_a_table_of_contents_each_page_is_titled_by_its_first_heading(
    tmp_path: Path,
) -> None:
    pages = {
        "a.xhtml": page(f"<h2>The Beginning</h2><p>{WORDS}</p>"),
        "b.xhtml": page(f"<h2>The Middle</h2><h3>A subtitle</h3><p>{WORDS}</p>"),
    }
    book = book_from(tmp_path, pages, None)
    assert [chapter.title for chapter in book.chapters] == ["The Beginning", "The Middle"]
    assert book.chapters[1].paragraphs[0].text == "A subtitle"


def test_a_book_without_any_titles_is_cut_into_parts(tmp_path: Path) -> None:
    long_text = " ".join(["word"] * 3000)
    pages = {f"{n}.xhtml": page(f"<p>{long_text}</p>") for n in range(4)}
    book = book_from(tmp_path, pages, None)
    assert [chapter.title for chapter in book.chapters] == ["Part 1", "Part 2"]
    assert [chapter.word_count for chapter in book.chapters] == [6000, 6000]


def test_a_chapter_of_broken_xhtml_is_listed_and_the_rest_is_read(tmp_path: Path) -> None:
    pages = {
        "one.xhtml": page(f"<h1>One</h1><p>{WORDS}</p>"),
        "two.xhtml": "<html><body><p>unclosed",
        "three.xhtml": page(f"<h1>Three</h1><p>{WORDS}</p>"),
    }
    entries = [("One", "one.xhtml"), ("Two", "two.xhtml"), ("Three", "three.xhtml")]
    book = book_from(tmp_path, pages, entries)
    assert [chapter.title for chapter in book.chapters] == ["One", "Three"]
    assert removed(book, RemovalReason.UNREADABLE) == [
        "OEBPS/two.xhtml is missing from the book or damaged"
    ]


def test_a_single_top_entry_wrapping_the_book_gives_way_to_its_chapters(tmp_path: Path) -> None:
    pages = {"one.xhtml": page(f"<p>{WORDS}</p>"), "two.xhtml": page(f"<p>{WORDS}</p>")}
    nav = page(
        '<nav epub:type="toc"><ol><li><a href="one.xhtml">The Whole Book</a><ol>'
        '<li><a href="one.xhtml">First</a><ol><li><a href="one.xhtml#s">Deep</a></li></ol></li>'
        '<li><a href="two.xhtml">Second</a></li></ol></li></ol></nav>'
    )
    files: dict[str, str | bytes] = {f"OEBPS/{n}": t for n, t in pages.items()}
    files["OEBPS/nav.xhtml"] = nav
    files["OEBPS/content.opf"] = package(list(pages))
    book = flow_to_book(read_epub(write_epub(tmp_path / "b.epub", files), ReadLimits()))
    assert [chapter.title for chapter in book.chapters] == ["First", "Second"]


@pytest.mark.parametrize("entity", ["&nbsp;", "&mdash;", "&eacute;"])
def test_html_named_entities_of_epub2_pages_are_read(tmp_path: Path, entity: str) -> None:
    body = f"<h1>One</h1><p>Caf{entity}s and {WORDS}</p>"
    book = book_from(tmp_path, {"one.xhtml": page(body)}, [("One", "one.xhtml")])
    assert book.chapters[0].paragraphs[0].text.startswith("Caf")
    assert "&" not in book.chapters[0].text


def test_project_gutenbergs_header_and_licence_are_listed_not_read(tmp_path: Path) -> None:
    licence = (
        '<section class="pg-boilerplate pgheader" id="pg-footer">'
        '<h2 id="pg-footer-heading">THE FULL PROJECT GUTENBERG LICENSE</h2>'
        "<p>PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK.</p></section>"
    )
    pages = {
        "header.xhtml": page(
            '<section class="pg-boilerplate pgheader" id="pg-header">'
            "<h2>The Project Gutenberg eBook of A Test Book</h2>"
            "<p>This ebook is for the use of anyone anywhere.</p></section>"
        ),
        "one.xhtml": page(f"<h1>One</h1><p>{WORDS}</p>"),
        "two.xhtml": page(f"<h1>Two</h1><p>{WORDS}</p>{licence}"),
    }
    entries = [
        ("One", "one.xhtml"),
        ("Two", "two.xhtml"),
        ("THE FULL PROJECT GUTENBERG LICENSE", "two.xhtml#pg-footer-heading"),
    ]
    book = book_from(tmp_path, pages, entries)
    assert [chapter.title for chapter in book.chapters] == ["One", "Two"]
    assert all("GUTENBERG" not in chapter.text.upper() for chapter in book.chapters)
    assert removed(book, RemovalReason.FRONT_MATTER) == [
        "The Project Gutenberg eBook of A Test Book This ebook is for the use of anyone anywhere."
    ]
    assert removed(book, RemovalReason.BACK_MATTER)[0].endswith("OR USE THIS WORK.")
    assert removed(book, RemovalReason.HEADING) == ["THE FULL PROJECT GUTENBERG LICENSE"]
