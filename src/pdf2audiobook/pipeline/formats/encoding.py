"""Turning the bytes of a text file into text, or saying that they are not text.

A byte-order mark decides UTF-8, UTF-16 or UTF-32; otherwise UTF-8 is tried, then
Windows-1252 (a superset of Latin-1's printable range, the usual 8-bit encoding of older
text files). Bytes that decode only as a stream of control characters, or of accented
letters with hardly any plain ones, are binary data, not text.
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
MAX_CONTROL_SHARE = 0.005
"""Control characters allowed in text, per character: a stray form feed, not a binary."""
MAX_EIGHT_BIT_SHARE = 0.3
"""In a file that is not UTF-8, characters past ASCII allowed per character: accented
letters in a European text are a few percent; random bytes are half."""


def decode_text(data: bytes, *, complete: bool = True) -> str | None:
    """`data` as text, or None when it is not text.

    With `complete` false, `data` is the start of a longer file: a character cut in two at
    its end is ignored.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom) :], encoding, complete)
    if b"\x00" in data:
        return None
    text = _decoded(data, "utf-8", complete)
    if text is not None:
        return text
    text = data.decode("cp1252", errors="replace")
    return text if _looks_like_text(text, eight_bit=True) else None


def _decoded(data: bytes, encoding: str, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    return text if _looks_like_text(text, eight_bit=False) else None


def _looks_like_text(text: str, *, eight_bit: bool) -> bool:
    if not text:
        return True
    controls = sum(
        1 for ch in text if (ch < " " or "\x7f" <= ch < "\xa0") and ch not in _ALLOWED_CONTROLS
    )
    if controls > len(text) * MAX_CONTROL_SHARE:
        return False
    if eight_bit:
        high = sum(1 for ch in text if ch > "\x7f")
        if high > len(text) * MAX_EIGHT_BIT_SHARE or "\ufffd" in text:
            return False
    return True
