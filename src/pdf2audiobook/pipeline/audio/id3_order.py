"""Put the CHAP frames of an ID3v2.3 tag in chronological order, in place.

mutagen writes frames sorted by importance and then by size, so chapter frames come out in
the order of their title lengths. The ID3 chapter addendum lets readers use the CTOC frame
for order, but FFmpeg (so ffprobe, Audiobookshelf's scanner and mpv) and many simple readers
list chapters in the order their CHAP frames appear. Reordering frames keeps the tag's size,
so the rewrite touches only the tag bytes at the start of the file.
"""

from __future__ import annotations

from pathlib import Path

from pdf2audiobook.pipeline.audio.errors import AudioEncodingError

_HEADER_SIZE = 10
_FRAME_HEADER_SIZE = 10
_UNSYNCHRONISED_OR_EXTENDED = 0xC0


def _syncsafe(data: bytes) -> int:
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value


def _chapter_start(frame: bytes) -> int:
    """A CHAP frame's start time: the 4 bytes after its null-terminated element id."""
    body = frame[_FRAME_HEADER_SIZE:]
    after_id = body.index(b"\0") + 1
    return int.from_bytes(body[after_id : after_id + 4], "big")


def order_chapter_frames(path: Path) -> None:
    """Rewrite the ID3v2.3 tag at the start of `path` with its CHAP frames sorted by start.

    Raises AudioEncodingError if the file does not start with a plain ID3v2.3 tag.
    """
    with path.open("r+b") as file:
        header = file.read(_HEADER_SIZE)
        if header[:4] != b"ID3\x03" or header[5] & _UNSYNCHRONISED_OR_EXTENDED:
            raise AudioEncodingError(f"{path.name} does not start with a plain ID3v2.3 tag.")
        body = file.read(_syncsafe(header[6:10]))
        frames: list[bytes] = []
        position = 0
        # Frames run until the padding, which starts with a zero byte where an id would be.
        while position + _FRAME_HEADER_SIZE <= len(body) and body[position] != 0:
            size = int.from_bytes(body[position + 4 : position + 8], "big")
            end = position + _FRAME_HEADER_SIZE + size
            frames.append(body[position:end])
            position = end
        others = [frame for frame in frames if not frame.startswith(b"CHAP")]
        chapters = sorted(
            (frame for frame in frames if frame.startswith(b"CHAP")), key=_chapter_start
        )
        reordered = b"".join([*others, *chapters]) + body[position:]
        if len(reordered) != len(body):
            raise AudioEncodingError(
                f"Could not parse the ID3 tag that was written to {path.name}."
            )
        file.seek(_HEADER_SIZE)
        file.write(reordered)
