"""The caller's own account: their profile at `/api/v1/auth/me`, their credits at
`/api/v1/credits`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pdf2audiobook.service.credits.allowance import top_up_monthly_allowance
from pdf2audiobook.service.credits.ledger import MAX_HISTORY_PAGE, CreditLedger
from pdf2audiobook.service.credits.schemas import CreditEntryOut, CreditsOut
from pdf2audiobook.service.credits.tiers import current_tier
from pdf2audiobook.service.deps import WorkDep
from pdf2audiobook.service.kit.errors import ErrorBody
from pdf2audiobook.service.models import User, utc_now
from pdf2audiobook.service.users.current import UserDep
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.users.schemas import UserNamesIn, UserOut

router = APIRouter(responses={401: {"model": ErrorBody}})


@router.get("/auth/me", response_model=UserOut, tags=["auth"])
def read_me(user: UserDep, work: WorkDep) -> UserOut:
    return _user_out(work, user)


@router.put("/auth/me", response_model=UserOut, tags=["auth"])
def update_me(names: UserNamesIn, user: UserDep, work: WorkDep) -> UserOut:
    updated = UserRepository(work.session).update_names(user, names.first_name, names.last_name)
    return _user_out(work, updated)


def _user_out(work: WorkDep, user: User) -> UserOut:
    now = utc_now()
    top_up_monthly_allowance(work.session, user.id, now)
    return UserOut(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        credit_balance=CreditLedger(work.session).balance(user.id).available,
        tier=current_tier(work.session, user.id, now).value,
        role=user.role.value,
        created_at=user.created_at,
    )


@router.get("/credits", response_model=CreditsOut, tags=["credits"])
def read_credits(
    work: WorkDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> CreditsOut:
    """Balance, credits held for running jobs, and one page of the history, newest first."""
    now = utc_now()
    top_up_monthly_allowance(work.session, user.id, now)
    ledger = CreditLedger(work.session)
    balance = ledger.balance(user.id)
    entries, total = ledger.history(user.id, limit, offset)
    return CreditsOut(
        balance=balance.available,
        reserved=balance.reserved,
        tier=current_tier(work.session, user.id, now).value,
        history=[CreditEntryOut.model_validate(entry) for entry in entries],
        total=total,
        limit=limit,
        offset=offset,
    )
