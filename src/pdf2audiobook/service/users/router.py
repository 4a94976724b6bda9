"""The caller's own account: `/api/v1/auth/me`."""

from __future__ import annotations

from fastapi import APIRouter

from pdf2audiobook.service.deps import WorkDep
from pdf2audiobook.service.kit.errors import ErrorBody
from pdf2audiobook.service.users.current import UserDep
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.users.schemas import UserNamesIn, UserOut

router = APIRouter(prefix="/auth", tags=["auth"], responses={401: {"model": ErrorBody}})


@router.get("/me", response_model=UserOut)
def read_me(user: UserDep) -> UserOut:
    return UserOut.model_validate(user)


@router.put("/me", response_model=UserOut)
def update_me(names: UserNamesIn, user: UserDep, work: WorkDep) -> UserOut:
    updated = UserRepository(work.session).update_names(user, names.first_name, names.last_name)
    return UserOut.model_validate(updated)
