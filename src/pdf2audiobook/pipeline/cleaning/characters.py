"""Per-character clean-up of one line or title, so a speech engine reads letters, not glyphs.

Runs on every line of a book (about 70,000 for 1,200 pages), so the common case (a
clean line) costs a few C-level scans: no per-character Python loops, and ftfy only
runs on lines that contain a typical mojibake pair.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import ftfy

SOFT_HYPHEN_MARKS: Final = "\x02\xad\ufffe"
"""Characters that stand for a hyphen the typesetter added at a line break.

pdfium reports such a hyphen as U+0002 per character and as U+FFFE in page text
(`get_text_range`); U+00AD is the Unicode soft hyphen. `clean_text` drops them, so
dehyphenation (`hyphenation.resolve_soft_hyphens`) must run on the raw text first.
"""

# ftfy settings, chosen for speech:
# - no HTML unescaping: "&amp;" in a PDF is literal text (code in a manual), not markup;
# - curly quotes stay curly: they tell an apostrophe from a closing quote, which
#   straight quotes cannot, and speech front ends use that difference;
# - no normalisation or width/ligature folding by ftfy: NFKC below does all of it, and
#   doing it once keeps one definition of the output;
# - line breaks are left alone: whitespace is collapsed below anyway.
_FTFY_CONFIG: Final = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    normalization=None,
    explain=False,
)

# A UTF-8 lead byte (Â..ô) read as Latin-1/cp1252, followed by a continuation byte read
# the same way (U+0080..U+00BF, or the cp1252 character for 0x80..0x9F such as "€").
# "cafÃ©" and "â€œ" match; a plain accented word such as "café" does not, so ftfy is
# skipped on normal text.
_CP1252_CONTINUATIONS: Final = bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore")
_MOJIBAKE_HINT: Final = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_CONTINUATIONS}]")

# TeX's \textcircled{c} and \textcircled{r} (© and ®) come out as the Computer Modern
# "large circle" glyph, which the font maps to U+000D, followed by the letter.
_CIRCLED_LETTER: Final = re.compile("\r([cR])(?![^\\W\\d_])")
_CIRCLED_SIGNS: Final = {"c": "©", "R": "®"}

# Characters with nothing to say: soft-hyphen marks, zero-width marks, U+FFFD and the
# non-characters, private-use glyphs (logos, math pieces) and pdfminer-style "(cid:12)".
_SILENT: Final = re.compile(
    "[\x02\xad\u200b\u2060\ufeff\ufffd\ufffe\uffff\ue000-\uf8ff\U000f0000-\U0010ffff]"
    r"|\(cid:\d+\)"
)
# Other control characters are glyphs with a broken mapping (math symbols in TeX fonts);
# a space keeps the words around them apart.
_CONTROL: Final = re.compile("[\x00-\x01\x03-\x1f\x7f-\x9f]")

# NFKC turns "½" into "1", U+2044 FRACTION SLASH, "2"; speech engines skip that slash
# but read "1/2".
_AFTER_NFKC: Final = str.maketrans({"\u2044": "/"})


def clean_text(text: str) -> str:
    """Return `text` repaired and normalised for speech, on one line.

    Repairs mojibake, applies NFKC (which expands the U+FB00-FB06 ligatures), drops
    soft-hyphen marks, private-use characters, "(cid:NN)" and U+FFFD, turns other
    control characters into spaces and collapses whitespace.
    """
    if _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text, _FTFY_CONFIG)
    if "\r" in text:
        text = _CIRCLED_LETTER.sub(lambda match: _CIRCLED_SIGNS[match.group(1)], text)
    text = _SILENT.sub("", text)
    text = _CONTROL.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_AFTER_NFKC)
    return " ".join(text.split())
