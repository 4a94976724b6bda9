"""Request dependencies: the unit of work, and the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from pdf2audiobook.service.auth import VerifiedIdentity, bearer_token
from pdf2audiobook.service.kit.state import ServiceState, UnitOfWork
from pdf2audiobook.service.models import User
from pdf2audiobook.service.users.repository import UserRepository


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


def current_user(
    identity: Annotated[VerifiedIdentity, Depends(current_identity)], work: WorkDep
) -> User:
    """The caller's user row, created on their first valid token."""
    return UserRepository(work.session).get_or_create_by_external_id(
        identity.subject, identity.email
    )


UserDep = Annotated[User, Depends(current_user)]
