"""Who may use the admin routes: a user made admin on the command line, or a caller whose
verified identity carries the admin role claim."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from pdf2audiobook.service.auth import VerifiedIdentity
from pdf2audiobook.service.deps import StateDep, current_identity
from pdf2audiobook.service.kit.errors import Forbidden
from pdf2audiobook.service.models import User, UserRole
from pdf2audiobook.service.users.current import UserDep

ADMIN_ROLE = "admin"


def claims_admin(claim: Any) -> bool:
    return claim == ADMIN_ROLE or (isinstance(claim, list) and ADMIN_ROLE in claim)


def current_admin(
    user: UserDep,
    identity: Annotated[VerifiedIdentity, Depends(current_identity)],
    state: StateDep,
) -> User:
    """The caller, if an administrator. Raises Forbidden (403) for anyone else."""
    if user.role is UserRole.ADMIN or claims_admin(
        identity.claims.get(state.settings.jwt_role_claim)
    ):
        return user
    raise Forbidden("Only administrators may do this.")


AdminDep = Annotated[User, Depends(current_admin)]
