"""Running work in processes of their own, on every core."""

from pdf2audiobook.pipeline.parallel.pool import (
    PoolError,
    ProcessPool,
    RemoteError,
    TimeLimitError,
    WorkerLostError,
)

__all__ = [
    "PoolError",
    "ProcessPool",
    "RemoteError",
    "TimeLimitError",
    "WorkerLostError",
]
