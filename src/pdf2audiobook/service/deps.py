"""Request dependencies: the service's state, the unit of work, and the verified caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from pdf2audiobook.service.auth import VerifiedIdentity, bearer_token
from pdf2audiobook.service.kit.unit_of_work import UnitOfWork
from pdf2audiobook.service.state import ServiceState


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(service_state)]


def unit_of_work(state: StateDep) -> Iterator[UnitOfWork]:
    """Commit after the handler succeeds, roll back when it raises; services never commit."""
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


WorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def current_identity(
    token: Annotated[str, Depends(bearer_token)], state: StateDep
) -> VerifiedIdentity:
    # A plain def: a key-set fetch may block, so FastAPI runs this on its thread pool.
    return state.authenticator.authenticate(token)
