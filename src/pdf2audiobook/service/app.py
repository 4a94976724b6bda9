"""The FastAPI application: one call builds it from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.account.router import router as account_router
from pdf2audiobook.service.account.tokens import router as tokens_router
from pdf2audiobook.service.admin.router import router as admin_router
from pdf2audiobook.service.auth import Authenticator, VerifiedIdentity
from pdf2audiobook.service.body_rules import body_rules
from pdf2audiobook.service.deps import identify_before_body
from pdf2audiobook.service.health.router import router as health_router
from pdf2audiobook.service.jobs.api.router import router as jobs_router
from pdf2audiobook.service.jobs.runners.embedded import EmbeddedRunner
from pdf2audiobook.service.kit.body_limit import BodyLimitMiddleware
from pdf2audiobook.service.kit.cache import cache_for
from pdf2audiobook.service.kit.data_dir import make_private
from pdf2audiobook.service.kit.db import (
    create_engine_from_settings,
    migrate,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.handlers import install_error_handlers
from pdf2audiobook.service.kit.http_hygiene import docs_enabled, install_http_hygiene
from pdf2audiobook.service.kit.request_log import RequestLogMiddleware
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.limits import (
    LIMITED_RESPONSES,
    install_rate_limits,
    limit_api_caller,
    limit_webhook_sender,
)
from pdf2audiobook.service.metrics.collector import ScrapeTimeCollector
from pdf2audiobook.service.metrics.http import observe_request
from pdf2audiobook.service.metrics.instruments import use_directory
from pdf2audiobook.service.metrics.router import metrics_router
from pdf2audiobook.service.payments.router import router as payments_router
from pdf2audiobook.service.products.router import router as products_router
from pdf2audiobook.service.state import JobRunner, ServiceState
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.users.tokens import identity_for_token_hash
from pdf2audiobook.service.voices.router import router as voices_router
from pdf2audiobook.service.web.config_router import router as config_router
from pdf2audiobook.service.web.pages import install_pages
from pdf2audiobook.service.webhooks.router import router as webhooks_router
from pdf2audiobook.service.worker.config import QUEUE_CHAPTERS, QUEUE_JOBS
from pdf2audiobook.service.worker.runner import CeleryRunner


def _default_runner(settings: Settings, sessions: sessionmaker[Session]) -> JobRunner:
    """Celery workers when REDIS_URL is set; otherwise processes inside this one."""
    if settings.redis_url:
        return CeleryRunner(settings)
    return EmbeddedRunner(settings, sessions)


def create_app(settings: Settings, runner: JobRunner | None = None) -> FastAPI:
    """Build the API. The database is migrated and the runner started on startup."""
    engine = create_engine_from_settings(settings)
    sessions = session_factory(engine)
    # Job processes and Celery workers write their metrics beside the API's.
    use_directory(settings.metrics_dir)

    def resolve_token_hash(token_hash: str) -> VerifiedIdentity | None:
        with session_scope(sessions) as session:
            return identity_for_token_hash(session, token_hash)

    state = ServiceState(
        settings=settings,
        sessions=sessions,
        storage=storage_from_settings(settings),
        runner=runner or _default_runner(settings, sessions),
        authenticator=Authenticator.from_settings(
            settings, resolve_api_token_hash=resolve_token_hash
        ),
        cache=cache_for(settings.redis_url),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        migrate(settings.resolved_database_url)
        make_private(settings.data_dir, settings.resolved_database_url)
        state.runner.start()
        try:
            yield
        finally:
            state.runner.shutdown()
            engine.dispose()

    docs = docs_enabled(settings)
    app = FastAPI(
        title="pdf2audiobook",
        version="0.1.0",
        lifespan=lifespan,
        debug=settings.debug,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.service = state
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        rules=body_rules(settings),
        identify=identify_before_body,
        idle_seconds=settings.body_timeout_seconds,
        upload_slots=settings.max_concurrent_uploads,
    )
    install_http_hygiene(app, settings)
    install_rate_limits(app, settings, state.authenticator)
    api = APIRouter(
        prefix="/api/v1", dependencies=[Depends(limit_api_caller)], responses=LIMITED_RESPONSES
    )
    api.include_router(account_router)
    api.include_router(tokens_router)
    api.include_router(jobs_router)
    api.include_router(voices_router)
    api.include_router(products_router)
    api.include_router(payments_router)
    api.include_router(admin_router)
    api.include_router(config_router)
    app.include_router(api)
    # Webhooks count per sending address in a class of their own: a provider retrying
    # deliveries must never meet the general per-address limit.
    webhooks = APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(limit_webhook_sender)],
        responses=LIMITED_RESPONSES,
    )
    webhooks.include_router(webhooks_router)
    app.include_router(webhooks)
    app.include_router(health_router)
    app.include_router(
        metrics_router(
            settings,
            ScrapeTimeCollector(sessions, settings.redis_url, (QUEUE_JOBS, QUEUE_CHAPTERS)),
        )
    )
    install_pages(app, settings)
    # Outermost, so the line and the counters see every answer, a 413 or a 429 included.
    app.add_middleware(RequestLogMiddleware, observers=[observe_request])
    return app
