"""Requests counted by method, route template and status, for `kit.request_log`."""

from __future__ import annotations

from pdf2audiobook.service.metrics.instruments import instruments


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    metrics = instruments()
    metrics.requests.labels(method=method, route=route, status=str(status)).inc()
    metrics.request_seconds.labels(method=method, route=route).observe(seconds)
