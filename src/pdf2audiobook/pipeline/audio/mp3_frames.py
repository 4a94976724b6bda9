"""The MPEG audio layer III frames of an MP3 file, walked header by header so they can be
copied into another file without decoding.

An MP3 file is ID3v2 tags, then frames back to back, then perhaps a 128-byte ID3v1 tag. Each
frame header gives the frame's length in bytes and the number of samples it decodes to, so
counting frames gives exact positions in the decoded audio.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_BITRATES_KBPS_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_KBPS_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
# Keyed by the header's two version bits: 11 = MPEG-1, 10 = MPEG-2, 00 = MPEG-2.5 (01 is reserved).
_SAMPLE_RATES = {
    0b11: (44100, 48000, 32000),
    0b10: (22050, 24000, 16000),
    0b00: (11025, 12000, 8000),
}
_MPEG1 = 0b11
_LAYER_III = 0b01
_FREE_FORMAT, _BAD_BITRATE, _RESERVED_RATE = 0, 15, 3
_FRAME_HEADER_SIZE = 4
_ID3V2_HEADER_SIZE = 10
_ID3V2_FOOTER_FLAG = 0x10
_ID3V1_SIZE = 128
_BLOCK_SIZE = 1 << 16


class Mp3FrameError(ValueError):
    """The file is not a sequence of whole MPEG layer III frames at one sample rate."""


@dataclass(frozen=True, slots=True)
class FrameHeader:
    """What a layer III frame header says about its frame."""

    sample_rate: int
    samples: int  # per channel, once decoded
    size: int  # bytes, header included


@dataclass(slots=True)
class FrameTally:
    """Frames and decoded samples counted so far by `frame_blocks`."""

    frames: int = 0
    samples: int = 0


def parse_frame_header(header: bytes) -> FrameHeader | None:
    """The layer III frame header in the first four bytes of `header`, or None if they are not
    one (free-format bitrates, which give no length, count as not one)."""
    if len(header) < _FRAME_HEADER_SIZE or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0b11
    layer = (header[1] >> 1) & 0b11
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0b11
    padding = (header[2] >> 1) & 1
    if (
        version not in _SAMPLE_RATES
        or layer != _LAYER_III
        or bitrate_index in (_FREE_FORMAT, _BAD_BITRATE)
        or rate_index == _RESERVED_RATE
    ):
        return None
    mpeg1 = version == _MPEG1
    kbps = (_BITRATES_KBPS_MPEG1 if mpeg1 else _BITRATES_KBPS_MPEG2)[bitrate_index]
    sample_rate = _SAMPLE_RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    return FrameHeader(sample_rate, samples, samples // 8 * kbps * 1000 // sample_rate + padding)


def first_frame(path: Path) -> FrameHeader:
    """The header of the first frame after the file's ID3v2 tags.

    Raises Mp3FrameError if there is no layer III frame there, OSError if `path` cannot be read.
    """
    with path.open("rb") as file:
        file.seek(_audio_start(file))
        header = parse_frame_header(file.read(_FRAME_HEADER_SIZE))
    if header is None:
        raise Mp3FrameError("it does not start with an MPEG layer III frame")
    return header


def frame_blocks(path: Path, sample_rate: int, tally: FrameTally) -> Iterator[bytes]:
    """The frames of `path`, without its ID3 tags, in blocks of whole frames, byte for byte.

    Reads in 64 KiB blocks, so memory does not grow with the file. Counts frames and samples in
    `tally` as it goes. Raises Mp3FrameError at the first bytes that are not a frame at
    `sample_rate`, at a frame cut short by the end of the file, or if there are no frames at
    all; OSError if `path` cannot be read.
    """
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        offset = _audio_start(file)  # of `pending` in the file
        file.seek(offset)
        pending = b""
        while True:
            block = file.read(_BLOCK_SIZE)
            data = pending + block
            position, finished = _whole_frames(data, offset, size - _ID3V1_SIZE, sample_rate, tally)
            if position:
                yield data[:position]
            offset += position
            pending = b"" if finished else data[position:]
            if finished or not block:
                break
    if pending:
        raise Mp3FrameError(f"its last frame, at byte {offset}, is cut short")
    if tally.frames == 0:
        raise Mp3FrameError("it has no MPEG audio frames")


def _whole_frames(
    data: bytes, offset: int, id3v1_offset: int, sample_rate: int, tally: FrameTally
) -> tuple[int, bool]:
    """How many bytes at the start of `data` are whole frames, and whether the audio ends
    there (at an ID3v1 tag)."""
    position = 0
    while position + _FRAME_HEADER_SIZE <= len(data):
        if offset + position == id3v1_offset and data.startswith(b"TAG", position):
            return position, True
        header = parse_frame_header(data[position : position + _FRAME_HEADER_SIZE])
        if header is None or header.sample_rate != sample_rate:
            raise Mp3FrameError(
                f"byte {offset + position} is not the header of a {sample_rate} Hz MPEG "
                "layer III frame"
            )
        if position + header.size > len(data):
            break
        position += header.size
        tally.frames += 1
        tally.samples += header.samples
    return position, False


def _audio_start(file: BinaryIO) -> int:
    """The offset after the ID3v2 tags at the start of `file` (0 if it has none)."""
    position = 0
    while True:
        file.seek(position)
        header = file.read(_ID3V2_HEADER_SIZE)
        if len(header) < _ID3V2_HEADER_SIZE or not header.startswith(b"ID3"):
            return position
        footer = _ID3V2_HEADER_SIZE if header[5] & _ID3V2_FOOTER_FLAG else 0
        position += _ID3V2_HEADER_SIZE + _syncsafe(header[6:10]) + footer


def _syncsafe(data: bytes) -> int:
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value
