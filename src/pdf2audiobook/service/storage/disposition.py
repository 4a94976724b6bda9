"""`Content-Disposition` for downloads, built from a user's display name.

The display name comes from the client and may hold path parts, control characters or bidi
overrides (U+202E before `gpj.pdf` makes it show as `fdp.jpg`). Storage keys never use it;
only this header does, after it has been cleaned.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import quote

MAX_FILENAME_CHARS = 150
MAX_EXTENSION_CHARS = 16

# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned code
# points, and the line and paragraph separators: none belong in a filename.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Reserved on Windows, and `"` and `\` would break the quoted header parameter.
_RESERVED_CHARACTERS = frozenset('<>:"/\\|?*')
_PATH_SEPARATOR = re.compile(r"[/\\]")
_FALLBACK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def safe_filename(filename: str, fallback: str) -> str:
    """`filename` reduced to a name that is safe to show and save on any common system.

    Keeps only the last path part, drops control and format characters, replaces reserved
    characters with `_`, collapses whitespace, trims leading and trailing dots and spaces, and
    shortens it to 150 characters while keeping the extension. Returns `fallback` when nothing
    usable is left. Raises ValueError if `fallback` itself is not a plain ASCII filename.
    """
    _check_fallback(fallback)
    name = unicodedata.normalize("NFC", _PATH_SEPARATOR.split(filename)[-1])
    kept = [
        "_" if character in _RESERVED_CHARACTERS else character
        for character in name
        if unicodedata.category(character) not in _DROPPED_CATEGORIES
    ]
    name = _truncate_keeping_extension(_tidy("".join(kept)))
    return name if _has_stem(name) else fallback


def content_disposition(
    filename: str,
    fallback: str,
    *,
    disposition: Literal["attachment", "inline"] = "attachment",
) -> str:
    """A header value offering the cleaned `filename`, readable by old and new clients alike.

    The `filename` parameter is an ASCII rendering (accents stripped, other characters as `_`,
    or `fallback` when that leaves no letters or digits); `filename*` carries the full UTF-8
    name percent-encoded as RFC 5987 and RFC 6266 describe. Raises ValueError for a bad
    `fallback`.
    """
    name = safe_filename(filename, fallback)
    ascii_name = _ascii_rendering(name, fallback)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _check_fallback(fallback: str) -> None:
    if not _FALLBACK.fullmatch(fallback) or ".." in fallback:
        raise ValueError(f"Fallback filename must be plain ASCII: {fallback!r}")


def _tidy(name: str) -> str:
    # str.split() without arguments splits on every kind of Unicode whitespace.
    return " ".join(name.split()).strip(" .")


def _truncate_keeping_extension(name: str) -> str:
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_CHARS:
        return _tidy(name[:MAX_FILENAME_CHARS])
    extension = dot + extension
    return _tidy(stem[: MAX_FILENAME_CHARS - len(extension)]) + extension


def _has_stem(name: str) -> bool:
    stem = name.rpartition(".")[0] or name
    return bool(stem.strip(" ._"))


def _ascii_rendering(name: str, fallback: str) -> str:
    # NFKD splits accented letters into a base letter and combining marks, which are dropped.
    characters = [
        character
        if character.isascii() and character.isprintable() and character not in _RESERVED_CHARACTERS
        else "_"
        for character in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(character)
    ]
    ascii_name = _tidy("".join(characters))
    stem = ascii_name.rpartition(".")[0] or ascii_name
    return ascii_name if any(character.isalnum() for character in stem) else fallback
