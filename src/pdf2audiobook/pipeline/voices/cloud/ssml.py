"""Book text made safe inside an SSML document (Azure and Polly both speak SSML)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

# Characters XML 1.0 does not allow at all; a PDF can carry them (control codes).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_QUOTES = {'"': "&quot;", "'": "&apos;"}


def ssml_text(text: str) -> str:
    """`text` with characters XML forbids removed and `& < > " '` written as entities."""
    return escape(_NOT_XML.sub("", text), _QUOTES)
