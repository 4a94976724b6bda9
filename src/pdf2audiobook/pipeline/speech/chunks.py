"""Packing sentences into chunks no longer than the voice engine takes in one call.

Whole sentences are packed greedily. A sentence longer than the limit is cut where a
narrator could breathe: after ";", ":" or a dash, then after a comma, then before a
conjunction ("and", "but", ...), and only then at any space. A word is cut only when it
is longer than the limit by itself.
"""

from __future__ import annotations

import re
from typing import Final

from pdf2audiobook.pipeline.speech.sentences import split_sentences

# Cut points in order of preference; each regex matches the space where a cut goes.
_CUT_POINTS: Final = (
    re.compile(r"(?<=[;:\u2014\u2013])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(
        r"\s+(?=(?:and|but|or|nor|yet|so|because|although|though|while|whereas|which|who"
        r"|when|where|if|unless|until|after|before|since|that)\b)",
        re.IGNORECASE,
    ),
    re.compile(r"\s+"),
)
# A preferred cut that leaves a first piece shorter than this share of the limit is
# passed over for a less preferred one, so that a sentence is not cut into slivers.
_SMALLEST_PIECE_SHARE = 3


def _cut_position(sentence: str, max_chars: int) -> tuple[int, int]:
    """Where to cut a sentence longer than `max_chars`: (end of the first piece, start of
    the rest)."""
    shortest = max(1, max_chars // _SMALLEST_PIECE_SHARE)
    for smallest in (shortest, 1):
        for cut_point in _CUT_POINTS:
            best: re.Match[str] | None = None
            for match in cut_point.finditer(sentence, 0, max_chars + 1):
                if match.start() > max_chars:
                    break
                if match.start() >= smallest:
                    best = match
            if best is not None:
                return best.start(), best.end()
    return max_chars, max_chars  # one word longer than the limit: no better choice


def _pieces(sentence: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        end, start = _cut_position(rest, max_chars)
        piece = rest[:end].strip()
        if piece:
            pieces.append(piece)
        rest = rest[start:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def chunk_text(text: str, max_chars: int) -> list[str]:
    """`text` as chunks of at most `max_chars` characters, each made of whole sentences
    where possible. No chunk is empty, and the chunks joined with spaces give back the
    text apart from white space. `max_chars` below 1 is taken as 1.

    The pieces of a sentence that had to be cut each stand alone, so that every cut is
    the boundary chosen for it; only the last piece may share its chunk with the
    sentences after it."""
    max_chars = max(1, max_chars)
    chunks: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        normalised = " ".join(sentence.split())
        if len(normalised) > max_chars:
            *cut_pieces, last_piece = _pieces(normalised, max_chars)
            chunks.extend([current, *cut_pieces] if current else cut_pieces)
            current = last_piece
        elif current and len(current) + 1 + len(normalised) <= max_chars:
            current = f"{current} {normalised}"
        else:
            if current:
                chunks.append(current)
            current = normalised
    if current:
        chunks.append(current)
    return chunks
