"""Resource limits that keep a hostile file (a PDF or a zip container) cheap to refuse."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_file_bytes: int = 200 * MIB
    max_pages: int = 2000
    max_page_side_points: float = 14_400.0
    """Largest page side (after UserUnit) we will render; PDF's own implementation limit."""
    max_render_pixels: int = 25_000_000
    memory_bytes: int = 2048 * MIB
    """Address-space limit of the parsing child process."""
    base_seconds: float = 30.0
    seconds_per_page: float = 0.2
    seconds_per_ocr_page: float = 60.0
    ocr_dpi: int = 300
    max_outline_entries: int = 5000
    max_outline_depth: int = 8
    max_archive_entries: int = 10_000
    """Entries of an EPUB or DOCX container; a long book has a few hundred."""
    max_entry_bytes: int = 64 * MIB
    """Unpacked size of any one entry that is read (a chapter, the package, a cover)."""
    max_unpacked_bytes: int = 512 * MIB
    """Unpacked size of all entries together: what the container declares, and what is
    really read, since the declared sizes are the sender's word."""
    max_compression_ratio: float = 200.0
    """Unpacked bytes per compressed byte of an entry; text deflates about 3 to 10 times,
    a bomb a thousand times. Checked once an entry has unpacked a mebibyte."""
    max_reflow_sections: int = 5000
    """Sections (spine documents, headings) of a reflowable book."""

    def text_deadline(self, pages: int) -> float:
        """Wall-clock seconds allowed for opening and reading `pages` pages of text."""
        return self.base_seconds + self.seconds_per_page * pages
