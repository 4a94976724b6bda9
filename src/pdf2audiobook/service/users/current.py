"""The signed-in user of a request, as a dependency for every route that acts for one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pdf2audiobook.service.auth import VerifiedIdentity
from pdf2audiobook.service.deps import WorkDep, current_identity
from pdf2audiobook.service.models import User
from pdf2audiobook.service.users.repository import UserRepository


def current_user(
    identity: Annotated[VerifiedIdentity, Depends(current_identity)],
    work: WorkDep,
    request: Request,
) -> User:
    """The caller's user row, created on their first valid token."""
    # Before identities were keyed by issuer, a JWT user was stored under the bare subject.
    legacy = identity.subject if identity.issuer is not None else None
    user = UserRepository(work.session).get_or_create_by_external_id(
        identity.external_id, identity.email, legacy_external_id=legacy
    )
    # For the request's log line (`kit.request_log`).
    request.state.user_id = user.id
    return user


UserDep = Annotated[User, Depends(current_user)]
