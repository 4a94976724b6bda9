"""The `pdf2audiobook` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.extract import book_to_json, extract_book
from pdf2audiobook.pipeline.reading.reader import ReadOptions

app = typer.Typer(
    help="Turn a PDF into an audiobook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

PdfArgument = Annotated[
    Path, typer.Argument(help="The PDF to read.", dir_okay=False, show_default=False)
]
PasswordOption = Annotated[
    str | None, typer.Option("--password", help="Password of an encrypted PDF.")
]
FootnotesOption = Annotated[
    FootnotePolicy,
    typer.Option("--footnotes", help="Read footnotes at the end of their chapter, or drop them."),
]


@app.callback()
def _root() -> None:
    """Turn a PDF into an audiobook."""


def _fail(error: PipelineError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def extract(
    pdf: PdfArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    password: PasswordOption = None,
    footnotes: FootnotesOption = FootnotePolicy.END,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Skip OCR of image-only pages.")] = False,
) -> None:
    """Print the chapter plan and the text a listener would hear."""
    try:
        book = extract_book(pdf, ReadOptions(password=password, ocr=not no_ocr), footnotes)
    except PipelineError as error:
        _fail(error)
        return
    if as_json:
        json.dump(book_to_json(book), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    _print_plan(book)


def _print_plan(book: Book) -> None:
    byline = f" by {book.author}" if book.author else ""
    typer.echo(f"{book.title}{byline}: {book.page_count} pages, {len(book.chapters)} chapters")
    if book.ocr_pages:
        engines = sorted({page.engine for page in book.ocr_pages})
        typer.echo(f"OCR read {len(book.ocr_pages)} pages ({', '.join(engines)})")
    typer.echo(f"Left out: {len(book.removed)} blocks (see --json for each one and why)")
    typer.echo("")
    for number, chapter in enumerate(book.chapters, start=1):
        pages = f"pp. {chapter.start_page}-{chapter.end_page}"
        typer.echo(f"{number:>3}. {chapter.title}  ({pages}, {chapter.word_count:,} words)")
    for chapter in book.chapters:
        typer.echo("")
        typer.echo(f"== {chapter.title} ==")
        typer.echo(chapter.text)


def main() -> None:
    app()
