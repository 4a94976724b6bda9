"""`GET /metrics`: the Prometheus text of every process of the service, for a scraper only.

Who may read it is a setting: a bearer token (METRICS_TOKEN) and/or client networks
(METRICS_ALLOWED_NETWORKS). With neither set, the route answers 404 as if absent: metrics
name routes, job volumes and revenue, which the public has no business reading.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from pdf2audiobook.service.kit.errors import NotFound, Unauthorized
from pdf2audiobook.service.kit.settings import Settings


def metrics_router(settings: Settings, scrape_time: Collector) -> APIRouter:
    """The route, reading the files every process writes to `settings.metrics_dir` (which
    `instruments.use_directory` must have made this process use too)."""
    router = APIRouter(tags=["operations"])
    folder = settings.metrics_dir.resolve()

    @router.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        _authorise(settings, request)
        # A registry per scrape: the folder's files are read afresh each time.
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
        registry.register(scrape_time)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def _authorise(settings: Settings, request: Request) -> None:
    token = settings.metrics_token
    networks = settings.metrics_allowed_networks
    if not token and not networks:
        raise NotFound("Not Found")
    if networks and request.client is not None:
        try:
            client = ip_address(request.client.host)
        except ValueError:
            client = None
        if client is not None and any(client in network for network in networks):
            return
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
            return
        raise Unauthorized("A valid metrics token is required.")
    raise NotFound("Not Found")
