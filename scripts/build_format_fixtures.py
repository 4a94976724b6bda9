"""Rebuild the Markdown, text and DOCX books under tests/data/formats/ from public sources.

The texts are public-domain books as two PyPI source packages ship them:

- wordcloud 1.9.6 (`examples/alice.txt`): Project Gutenberg eBook #11, "Alice's
  Adventures in Wonderland" by Lewis Carroll, with Gutenberg's header and footer (the
  licence itself is kept apart in `alice_license.txt`). Copied as `alice.txt`.
- brotli 1.2.1 (`tests/testdata/`, the Canterbury corpus): `alice29.txt`, an earlier
  Gutenberg edition of the same book whose chapter names stand on a line of their own,
  and `plrabn12.txt`, Milton's "Paradise Lost" in twelve books as Gutenberg released it
  in 1992. Copied under their own names.

`alice.md` and `alice.docx` are written by pandoc from `alice.txt`: the book between
Gutenberg's markers becomes Markdown (its "CHAPTER" lines as headings, the header's title,
author and language as front matter, verse indentation dropped), which pandoc reads and
writes back as Markdown with setext headings and as a Word document. `notes.docx` is
pandoc's Word version of `notes.md`, a short page of Markdown kept in the repository.

Needs pip and pandoc on PATH. Usage: python scripts/build_format_fixtures.py [OUTPUT_DIR]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "formats"
NOTES_SOURCE = DEFAULT_OUTPUT_DIR / "notes.md"
SOURCES = {
    "wordcloud==1.9.6": {"examples/alice.txt": "alice.txt"},
    "brotli==1.2.1": {
        "tests/testdata/alice29.txt": "alice29.txt",
        "tests/testdata/plrabn12.txt": "plrabn12.txt",
    },
}
START = re.compile(r"^\*\*\* START OF TH(?:E|IS) PROJECT GUTENBERG")
END = re.compile(r"^(?:\*\*\* END OF TH(?:E|IS) PROJECT GUTENBERG|End of Project Gutenberg)")
HEADER_FIELD = re.compile(r"^(Title|Author|Language): (.+)$")
CHAPTER = re.compile(r"^CHAPTER [IVXL]+\. ")
LANGUAGES = {"English": "en"}


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_DIR
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for requirement, members in SOURCES.items():
            sdist = _download_sdist(requirement, Path(scratch))
            _copy_members(sdist, members, output)
        book = output / "alice.txt"
        intermediate = Path(scratch) / "alice-intermediate.md"
        intermediate.write_text(_markdown_of_gutenberg_text(book), encoding="utf-8")
        _pandoc(intermediate, output / "alice.md", "markdown-smart", "--markdown-headings=setext")
        _pandoc(intermediate, output / "alice.docx", "docx")
    _pandoc(NOTES_SOURCE, output / "notes.docx", "docx")
    for path in sorted(output.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


def _download_sdist(requirement: str, scratch: Path) -> Path:
    name = requirement.split("==")[0]
    target = scratch / name
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
            *("--no-binary", name, "--dest", str(target), requirement),
        ],
        check=True,
    )
    return next(target.glob("*.tar.gz"))


def _copy_members(sdist: Path, members: dict[str, str], output: Path) -> None:
    with tarfile.open(sdist) as archive:
        for info in archive.getmembers():
            inner = info.name.split("/", 1)[-1]
            if inner in members and info.isfile():
                source = archive.extractfile(info)
                assert source is not None
                with (output / members[inner]).open("wb") as target:
                    shutil.copyfileobj(source, target)


def _markdown_of_gutenberg_text(path: Path) -> str:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if START.match(line))
    end = next(i for i, line in enumerate(lines) if i > start and END.match(line))
    fields: dict[str, str] = {}
    for line in lines[:start]:
        if match := HEADER_FIELD.match(line):
            fields[match.group(1)] = match.group(2)
    front = [
        "---",
        f'title: "{fields["Title"]}"',
        f'author: "{fields["Author"]}"',
        f"lang: {LANGUAGES[fields['Language']]}",
        "---",
        "",
    ]
    body = []
    for line in lines[start + 1 : end]:
        stripped = line.strip()
        body.append(f"# {stripped}" if CHAPTER.match(stripped) else stripped)
    return "\n".join(front + body) + "\n"


def _pandoc(source: Path, target: Path, to: str, *options: str) -> None:
    subprocess.run(
        [
            *("pandoc", "--from", "markdown-smart", "--to", to, "--standalone", *options),
            *("--output", str(target), str(source)),
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
