"""The `pdf2audiobook` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pdf2audiobook.cli.billing_commands import products_app, rates_app, users_app
from pdf2audiobook.cli.progress_bar import ConvertProgressBar
from pdf2audiobook.cli.service_commands import migrate, serve, tokens_app
from pdf2audiobook.cli.worker_commands import beat, worker
from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.estimate import estimate_book
from pdf2audiobook.pipeline.extract import book_to_json
from pdf2audiobook.pipeline.formats.sniff import SourceFormat
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.source import read_book
from pdf2audiobook.pipeline.summary.chapters import SummaryMode
from pdf2audiobook.pipeline.voices import default_cache_dir, provider_statuses
from pdf2audiobook.pipeline.voices.registry import canonical_provider_name

CACHE_MAX_MB_ENV_VAR = "PDF2AUDIOBOOK_CACHE_MAX_MB"
DEFAULT_CACHE_MAX_MB = 2048
"""About 10 hours of cached speech (16-bit PCM at 24 kHz is 170 MB an hour)."""

app = typer.Typer(
    help="Turn a book (PDF, EPUB, Word, Markdown or plain text) into an audiobook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class AudioFormatChoice(StrEnum):
    M4B = "m4b"
    MP3 = "mp3"


BookArgument = Annotated[
    Path,
    typer.Argument(
        help="The book to read: PDF, EPUB, Word (.docx), Markdown or plain text, told apart "
        "by content, not by name.",
        dir_okay=False,
        show_default=False,
    ),
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
    """Turn a book (PDF, EPUB, Word, Markdown or plain text) into an audiobook."""


def _fail(error: PipelineError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def extract(
    book: BookArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    password: PasswordOption = None,
    footnotes: FootnotesOption = FootnotePolicy.END,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Skip OCR of image-only pages.")] = False,
) -> None:
    """Print the chapter plan and the text a listener would hear."""
    try:
        source = read_book(book, ReadOptions(password=password, ocr=not no_ocr), footnotes)
    except PipelineError as error:
        _fail(error)
        return
    if as_json:
        json.dump(book_to_json(source.book), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    _print_plan(source.book, paged=source.format is SourceFormat.PDF)


def _print_plan(book: Book, *, paged: bool) -> None:
    """The plan as a person reads it; a reflowable book counts sections where a PDF counts
    pages."""
    byline = f" by {book.author}" if book.author else ""
    unit = "pages" if paged else "sections"
    typer.echo(f"{book.title}{byline}: {book.page_count} {unit}, {len(book.chapters)} chapters")
    if book.ocr_pages:
        engines = sorted({page.engine for page in book.ocr_pages})
        typer.echo(f"OCR read {len(book.ocr_pages)} pages ({', '.join(engines)})")
    typer.echo(f"Left out: {len(book.removed)} blocks (see --json for each one and why)")
    typer.echo("")
    for number, chapter in enumerate(book.chapters, start=1):
        span = _span(chapter.start_page, chapter.end_page, paged)
        typer.echo(f"{number:>3}. {chapter.title}  ({span}, {chapter.word_count:,} words)")
    for chapter in book.chapters:
        typer.echo("")
        typer.echo(f"== {chapter.title} ==")
        typer.echo(chapter.text)


def _span(start: int, end: int, paged: bool) -> str:
    if paged:
        return f"pp. {start}-{end}"
    return f"section {start}" if start == end else f"sections {start}-{end}"


VoiceTypeOption = Annotated[
    str | None,
    typer.Option(
        "--voice-type",
        help="default, female, male (local: needs the piper extra) or child (azure, polly).",
    ),
]


def _provider_names(names: list[str] | None) -> list[str]:
    return [canonical_provider_name(name) for name in names or ()]


@app.command()
def convert(
    book: BookArgument,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Audiobook file to write.")
    ] = None,
    fmt: Annotated[AudioFormatChoice, typer.Option("--format", help="m4b or mp3.")] = (
        AudioFormatChoice.M4B
    ),
    voice_type: VoiceTypeOption = None,
    voice: Annotated[str | None, typer.Option("--voice", help="A voice name.")] = None,
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            help="Voice provider (see `pdf2audiobook voices`).",
            callback=canonical_provider_name,
        ),
    ] = "local",
    fallback: Annotated[
        list[str] | None,
        typer.Option(
            "--fallback",
            help="Provider to take over a chapter if one fails (repeat).",
            callback=_provider_names,
        ),
    ] = None,
    speed: Annotated[float, typer.Option("--speed", help="Reading speed, 0.5 to 2.0.")] = 1.0,
    footnotes: FootnotesOption = FootnotePolicy.END,
    password: PasswordOption = None,
    lexicon: Annotated[
        Path | None,
        typer.Option("--lexicon", help="Pronunciation file: 'word = respelling' per line."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Synthesis processes (default: one per core).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not reuse or keep synthesised chunks.")
    ] = False,
    cache_max_mb: Annotated[
        int,
        typer.Option(
            "--cache-max-mb",
            min=0,
            envvar=CACHE_MAX_MB_ENV_VAR,
            help="Size cap of the chunk cache; the least recently used chunks go first.",
        ),
    ] = DEFAULT_CACHE_MAX_MB,
    summary: Annotated[
        SummaryMode,
        typer.Option("--summary", help="A spoken summary before the book, or the summary only."),
    ] = SummaryMode.NONE,
    recaps: Annotated[bool, typer.Option("--recaps", help="A short recap after each chapter.")] = (
        False
    ),
) -> None:
    """Turn a book into an audiobook with chapters, tags and a cover, written beside it
    (book.epub gives book.m4b) unless -o says where."""
    if voice is not None and voice_type is not None:
        typer.echo("error: give --voice or --voice-type, not both.", err=True)
        raise typer.Exit(code=2)
    options = ConvertOptions(
        output=output,
        fmt=fmt.value,
        provider=provider,
        fallback_providers=tuple(fallback or ()),
        voice=voice,
        voice_type=voice_type,
        speed=speed,
        footnotes=footnotes,
        password=password,
        lexicon=lexicon,
        workers=workers,
        cache_dir=None if no_cache else default_cache_dir(),
        cache_max_bytes=cache_max_mb * 1024 * 1024,
        summary=summary,
        recaps=recaps,
    )
    try:
        with ConvertProgressBar() as bar:
            result = convert_book(book, options, bar.update)
    except PipelineError as error:
        _fail(error)
        return
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(
        f"{result.path}: {format_duration(result.duration_seconds)}, "
        f"{result.chapters} chapters, read by {result.voice} at "
        f"{result.realtime_factor:.1f}x realtime"
    )


@app.command()
def estimate(
    book: BookArgument,
    speed: Annotated[float, typer.Option("--speed", help="Reading speed, 0.5 to 2.0.")] = 1.0,
    password: PasswordOption = None,
    footnotes: FootnotesOption = FootnotePolicy.END,
) -> None:
    """Characters, listening time and cost per voice provider, before any work is done."""
    try:
        plan = read_book(book, ReadOptions(password=password), footnotes).book
    except PipelineError as error:
        _fail(error)
        return
    rows = estimate_book(plan, speed)
    typer.echo(f"{plan.title}: {len(plan.chapters)} chapters")
    typer.echo(f"{'provider':<18} {'characters':>11} {'duration':>9} {'cost':>9}  note")
    for row in rows:
        note = "" if row.available else f"unavailable: {row.reason}"
        typer.echo(
            f"{row.provider:<18} {row.characters:>11,} "
            f"{format_duration(row.duration_seconds):>9} {'$' + format(row.cost_usd, ',.2f'):>9}"
            f"  {note}"
        )


@app.command()
def voices() -> None:
    """List the voice providers and their voices, and why any is unavailable."""
    for status in provider_statuses():
        state = "available" if status.available else f"unavailable: {status.reason}"
        typer.echo(f"{status.name} ({state})")
        for info in status.voices:
            note = "" if info.available else f"  [unavailable: {info.reason}]"
            typer.echo(f"  {info.name:<12} {info.voice_type:<8} {info.description}{note}")


def format_duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


app.command()(serve)
app.command()(migrate)
app.command()(worker)
app.command()(beat)
app.add_typer(tokens_app, name="tokens")
app.add_typer(products_app, name="products")
app.add_typer(rates_app, name="rates")
app.add_typer(users_app, name="users")


def main() -> None:
    app()
