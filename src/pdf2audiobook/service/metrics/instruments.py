"""The service's counters and histograms, shared by the API, its job processes and Celery
workers through prometheus-client's multiprocess mode.

Each process writes its values to files in one folder (`Settings.metrics_dir`), and
`/metrics` adds up the folder at scrape time. prometheus-client picks its value store
when it is imported, from PROMETHEUS_MULTIPROC_DIR; `use_directory` sets that variable
(spawned job processes inherit it) and builds the instruments again on the chosen store,
so the order in which modules were imported does not matter.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, values

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_STAGE_BUCKETS = (0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)


class Instruments:
    """Every metric the service records. Labels only: a labelled metric writes nothing until
    it is first used, so building a set is free until then."""

    def __init__(self) -> None:
        # A private registry: building a set again must not clash with the global one.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pdf2audiobook_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "pdf2audiobook_http_request_duration_seconds",
            "Time from a request's arrival to its last byte, by method and route template.",
            ["method", "route"],
            buckets=_REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "pdf2audiobook_stage_duration_seconds",
            "Time one delivery of a job stage took, by stage and outcome.",
            ["stage", "outcome"],
            buckets=_STAGE_BUCKETS,
            registry=self.registry,
        )
        self.audio_seconds = Counter(
            "pdf2audiobook_audio_seconds",
            "Seconds of chapter audio produced, by the provider that spoke it.",
            ["provider"],
            registry=self.registry,
        )
        self.characters = Counter(
            "pdf2audiobook_tts_characters",
            "Characters of chapters spoken, by provider.",
            ["provider"],
            registry=self.registry,
        )
        self.credit_grants = Counter(
            "pdf2audiobook_credit_grants",
            "Credit ledger entries that add credits (grants and purchases), by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.credits_granted = Counter(
            "pdf2audiobook_credits_granted",
            "Credits added by grant and purchase entries, by kind.",
            ["kind"],
            registry=self.registry,
        )


_lock = threading.Lock()
_instruments: Instruments | None = None
_directory: Path | None = None


def use_directory(directory: Path) -> None:
    """Record this process's metrics under `directory` from now on (made private to the
    service's user if new). Idempotent for the same folder."""
    global _instruments, _directory
    directory = directory.resolve()
    with _lock:
        if _directory == directory and _instruments is not None:
            return
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ[MULTIPROC_ENV] = str(directory)
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        _instruments = Instruments()
        _directory = directory


def instruments() -> Instruments:
    """The process's instruments; in memory only until `use_directory` is called (a
    command-line run, a unit test), so recording never fails for want of a folder."""
    global _instruments
    with _lock:
        if _instruments is None:
            _instruments = Instruments()
        return _instruments


def reset_directory(directory: Path) -> None:
    """Empty `directory` of the files of earlier runs: counters restart with the service,
    as Prometheus expects of a restarted target."""
    if directory.is_dir():
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
