"""A small time-limited cache for shared read-mostly answers: on Redis when the service has
one (every API process then sees one copy), in this process's memory otherwise."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis

logger = logging.getLogger(__name__)
_REDIS_TIMEOUT_SECONDS = 0.5
"""A cache that answers slowly is worse than none: give up and compute the value."""


class TextCache(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, seconds: float) -> None:
        """Keep `value` for `seconds`; zero or less keeps nothing (the cache is off)."""


class MemoryCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._values.get(key)
            if entry is None or entry[0] <= self._clock():
                self._values.pop(key, None)
                return None
            return entry[1]

    def set(self, key: str, value: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._values[key] = (self._clock() + seconds, value)


class RedisCache:
    """Values under `prefix` in Redis. A Redis outage is logged and treated as a miss: the
    caller computes the answer instead of failing."""

    def __init__(self, url: str, prefix: str = "pdf2audiobook:cache:") -> None:
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        )
        self._prefix = prefix

    def get(self, key: str) -> str | None:
        try:
            value = self._client.get(self._prefix + key)
        except redis.RedisError as error:
            logger.warning("cache read failed, computing instead: %s", error)
            return None
        return value.decode() if isinstance(value, bytes) else None

    def set(self, key: str, value: str, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            self._client.set(self._prefix + key, value, px=max(1, int(seconds * 1000)))
        except redis.RedisError as error:
            logger.warning("cache write failed: %s", error)


def cache_for(redis_url: str | None) -> TextCache:
    return RedisCache(redis_url) if redis_url else MemoryCache()
