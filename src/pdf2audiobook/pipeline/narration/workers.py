"""The processes that speak a book's units, and the channel their progress comes back on.

Each process loads the voice once (in the pool's initializer) and then speaks unit after
unit. Progress travels on one pipe shared by every process: each message is far smaller
than the pipe's atomic write size, so messages from several writers never interleave and
no lock is needed (a lock held by a killed process would block the others for good).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from concurrent.futures import Future
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from pdf2audiobook.pipeline.narration.speak_unit import UnitJob, UnitOutcome, speak_unit
from pdf2audiobook.pipeline.parallel import ProcessPool
from pdf2audiobook.pipeline.voices import ChunkCache, get_provider

Message = tuple[str, int, int, float]
"""(kind, unit id, characters, seconds); kind is "restarted", "spoke" or "done"."""


class UnitWorkers:
    """`size` speaking processes for one book, started at once (each loads the voice, e.g.
    while the PDF is read). Close it to end them (also on failure)."""

    def __init__(
        self,
        size: int,
        provider: str,
        voice: str,
        cache_dir: Path | None,
        cache_max_bytes: int | None,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._inbox, self._outbox = context.Pipe(duplex=False)
        self.size = size
        self.pool = ProcessPool(
            size,
            name="narration",
            max_deliveries=2,
            initializer=partial(
                _initialise, self._outbox, provider, voice, cache_dir, cache_max_bytes
            ),
            eager=True,
        )

    def submit(self, unit_id: int, job: UnitJob) -> Future[UnitOutcome]:
        """Speak `job`; its progress and then a "done" message arrive on `receive`."""
        future = self.pool.submit(_speak, unit_id, job)
        future.add_done_callback(partial(self._post_done, unit_id))
        return future

    def receive(self) -> Message:
        """The next progress message, waiting for it."""
        message: Message = self._inbox.recv()
        return message

    def close(self) -> None:
        """End the processes (a running unit is abandoned) and the channel."""
        self.pool.shutdown()
        self._outbox.close()
        self._inbox.close()

    def __enter__(self) -> UnitWorkers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _post_done(self, unit_id: int, _future: Future[UnitOutcome]) -> None:
        # After `close` the channel is gone; a cancelled unit has nobody left to tell.
        with contextlib.suppress(OSError, ValueError):
            self._outbox.send(("done", unit_id, 0, 0.0))


# The speaking processes' side.

_channel: Connection | None = None
_cache: ChunkCache | None = None


class _ChannelListener:
    def __init__(self, channel: Connection, unit_id: int) -> None:
        self._channel = channel
        self._unit_id = unit_id

    def restarted(self) -> None:
        self._channel.send(("restarted", self._unit_id, 0, 0.0))

    def spoke(self, characters: int, seconds: float) -> None:
        self._channel.send(("spoke", self._unit_id, characters, seconds))


def _initialise(
    channel: Connection,
    provider: str,
    voice: str,
    cache_dir: Path | None,
    cache_max_bytes: int | None,
) -> None:
    global _channel, _cache
    _channel = channel
    _cache = ChunkCache(cache_dir, max_bytes=cache_max_bytes) if cache_dir else None
    # A voice that cannot load fails the first unit with its own message instead.
    with contextlib.suppress(Exception):
        get_provider(provider).prepare(voice)


def _speak(unit_id: int, job: UnitJob) -> UnitOutcome:
    if _channel is None:
        raise RuntimeError("the narration process was not initialised")
    return speak_unit(job, _cache, _ChannelListener(_channel, unit_id))
