"""Running work in processes of their own, on every core."""

from pdf2audiobook.pipeline.parallel.pool import (
    PoolError,
    ProcessPool,
    RemoteError,
    WorkerLostError,
)

__all__ = ["PoolError", "ProcessPool", "RemoteError", "WorkerLostError"]
