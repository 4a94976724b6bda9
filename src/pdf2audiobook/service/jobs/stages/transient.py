"""Which failures are worth another try: outages of something we depend on, not bad input.

A bad, encrypted or empty PDF fails the same way every time, so it fails the job at once.
A storage 5xx, a dropped database connection, a timeout or a voice provider's outage may
pass; those are retried a few times with a growing, jittered delay.
"""

from __future__ import annotations

import random

from sqlalchemy.exc import DBAPIError, OperationalError

from pdf2audiobook.pipeline.voices.cloud.errors import ProviderOutageError
from pdf2audiobook.service.storage.base import StorageError, StorageKeyNotFound

MAX_RETRIES = 3
BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 300.0


def is_transient(error: BaseException) -> bool:
    if isinstance(error, StorageKeyNotFound):
        # The job's own file is gone: another try finds it gone too.
        return False
    if isinstance(error, StorageError | OperationalError | ProviderOutageError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TimeoutError | ConnectionError)


def retry_delay(retries_so_far: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: a random delay up to 5 s, 10 s, 20 s..."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**retries_so_far)
    return (rng or random.Random()).uniform(BASE_DELAY_SECONDS / 2, ceiling)
