"""Mono PCM through an FFmpeg filter chain, in blocks, with filter state carried between them."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.filter import Graph

Float64Array = npt.NDArray[np.float64]


class FilterChain:
    """One FFmpeg filter graph `abuffer -> filters... -> abuffersink` for mono float64 audio.

    Samples go in as 64-bit floats (`dbl`), which every filter used here (biquad, alimiter)
    processes natively, so no format conversion or precision loss sits between the stages.
    """

    def __init__(self, sample_rate: int, filters: Sequence[tuple[str, str]]) -> None:
        self._sample_rate = sample_rate
        self._time_base = Fraction(1, sample_rate)
        self._next_pts = 0
        self._graph = Graph()
        node = self._graph.add_abuffer(
            sample_rate=sample_rate, format="dbl", layout="mono", time_base=self._time_base
        )
        for name, arguments in filters:
            next_node = self._graph.add(name, arguments)
            node.link_to(next_node)
            node = next_node
        sink = self._graph.add("abuffersink")
        node.link_to(sink)
        self._graph.configure()

    def process(self, samples: Float64Array) -> Float64Array:
        """Filter one block; returns whatever output the graph has ready (possibly empty)."""
        if samples.size == 0:
            return np.zeros(0, dtype=np.float64)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="dbl", layout="mono")
        frame.sample_rate = self._sample_rate
        frame.time_base = self._time_base
        frame.pts = self._next_pts
        self._next_pts += samples.size
        self._graph.push(frame)
        return self._drain()

    def flush(self) -> Float64Array:
        """Signal the end of the stream and return what the filters still held back."""
        self._graph.push(None)
        return self._drain()

    def _drain(self) -> Float64Array:
        blocks: list[Float64Array] = []
        while True:
            try:
                frame = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                break
            if isinstance(frame, AudioFrame):
                blocks.append(np.asarray(frame.to_ndarray(), dtype=np.float64).reshape(-1))
        if not blocks:
            return np.zeros(0, dtype=np.float64)
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
