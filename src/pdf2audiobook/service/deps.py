"""Request dependencies: the service's state, the unit of work, and the verified caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from starlette.types import Scope

from pdf2audiobook.service.auth import VerifiedIdentity, bearer_token
from pdf2audiobook.service.kit.unit_of_work import UnitOfWork
from pdf2audiobook.service.state import ServiceState

_IDENTITY_KEY = "pdf2audiobook.identity"
"""Where the body guard leaves the identity it checked, so the route does not check again."""


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(service_state)]


def unit_of_work(state: StateDep) -> Iterator[UnitOfWork]:
    """Commit after the handler succeeds, roll back when it raises; services never commit.

    Function-scoped (below): the transaction commits, and what waits for the commit runs,
    before the response starts, so a client never sees a 201 for a row that is not there
    yet, and a streamed response holds no database connection while it streams.
    """
    session = state.sessions()
    work = UnitOfWork(session)
    try:
        yield work
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    work.run_after_commit()


WorkDep = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]


def current_identity(
    token: Annotated[str, Depends(bearer_token)], state: StateDep, request: Request
) -> VerifiedIdentity:
    # A plain def: a key-set fetch may block, so FastAPI runs this on its thread pool.
    checked = request.scope.get(_IDENTITY_KEY)
    if isinstance(checked, VerifiedIdentity):
        return checked
    return state.authenticator.authenticate(token)


async def identify_before_body(scope: Scope) -> None:
    """The body guard's identity check: the bearer token of a request whose body is not
    read yet. Raises Unauthorized (or ServiceUnavailable when the key set is unreachable),
    exactly as the route's own check would."""
    request = Request(scope)
    token = bearer_token(request)
    state = service_state(request)
    scope[_IDENTITY_KEY] = await anyio.to_thread.run_sync(state.authenticator.authenticate, token)
