"""A response starts only once its transaction has committed, and a streamed download holds
no database connection: both observed at the moment the first bytes leave the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdf2audiobook.service.models import Job
from pdf2audiobook.service.state import ServiceState
from tests.service.api.conftest import Api
from tests.service.hardening.conftest import complete_with_audio, submit_sample


@dataclass
class FirstBytesObserver:
    """Calls `observe` when the app starts its response, before the client can see it."""

    app: ASGIApp
    observe: Callable[[Scope], None]
    seen: list[object] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def observing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.observe(scope)
            await send(message)

        await self.app(scope, receive, observing_send)


def _jobs_of_everyone(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Job)).scalar_one())


def test_a_second_connection_sees_the_job_when_201_starts_and_it_is_queued(api: Api) -> None:
    state: ServiceState = api.app.state.service
    outsider = create_engine(state.settings.resolved_database_url, poolclass=NullPool)
    observations: list[tuple[int, int]] = []

    def observe(scope: Scope) -> None:
        if scope["method"] == "POST" and scope["path"] == "/api/v1/jobs":
            observations.append((_jobs_of_everyone(outsider), len(api.runner.submitted)))

    before = _jobs_of_everyone(outsider)
    with TestClient(FirstBytesObserver(api.app, observe)) as client:
        submit_sample(client, api.headers(api.alice))
    outsider.dispose()
    assert observations == [(before + 1, 1)]


def test_a_streamed_download_holds_no_database_connection(api: Api) -> None:
    headers = api.headers(api.alice)
    state: ServiceState = api.app.state.service
    job_id = submit_sample(api.client, headers)
    complete_with_audio(state, job_id, b"audio" * 100_000)
    engine = state.sessions.kw["bind"]
    checked_out: list[int] = []

    def observe(scope: Scope) -> None:
        if scope["path"].endswith("/audio"):
            checked_out.append(engine.pool.checkedout())

    with TestClient(FirstBytesObserver(api.app, observe)) as client:
        whole = client.get(f"/api/v1/jobs/{job_id}/audio", headers=headers)
        chapter_less = client.get(
            f"/api/v1/jobs/{job_id}/audio", headers={**headers, "Range": "bytes=10-"}
        )
    assert (whole.status_code, chapter_less.status_code) == (200, 206)
    assert checked_out == [0, 0]
