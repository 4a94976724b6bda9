"""`/api/v1/admin`: users with balances and usage, credit adjustments, job costs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query

from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.service.admin.access import AdminDep
from pdf2audiobook.service.admin.repository import AdminRepository
from pdf2audiobook.service.admin.schemas import (
    AdminJobOut,
    AdminUserOut,
    AdminUserPage,
    CreditAdjustmentIn,
    CreditAdjustmentOut,
    UsageOut,
)
from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.deps import WorkDep
from pdf2audiobook.service.kit.errors import BadRequest, Conflict, ErrorBody, NotFound
from pdf2audiobook.service.models import CreditKind, Job

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses={code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409)},
)
_HOUR = 3600.0


@router.get("/users", response_model=AdminUserPage)
def list_users(
    admin: AdminDep,
    work: WorkDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> AdminUserPage:
    del admin
    summaries, total = AdminRepository(work.session).users(limit, offset)
    return AdminUserPage(
        items=[
            AdminUserOut(
                id=row.user.id,
                email=row.user.email,
                role=row.user.role.value,
                created_at=row.user.created_at,
                balance=row.balance,
                reserved=row.reserved,
                jobs=row.jobs,
                characters=row.characters,
                audio_hours=round(row.audio_seconds / _HOUR, 3),
                cost_usd=row.cost_usd,
            )
            for row in summaries
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/users/{user_id}/credits", response_model=CreditAdjustmentOut)
def adjust_credits(
    user_id: str,
    body: CreditAdjustmentIn,
    admin: AdminDep,
    work: WorkDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> CreditAdjustmentOut:
    """Add or take away credits, with the reason kept in the ledger. The same
    Idempotency-Key applies an adjustment once however often it is sent."""
    if body.amount == 0:
        raise BadRequest("An adjustment of zero credits changes nothing.")
    if AdminRepository(work.session).user(user_id) is None:
        raise NotFound("No such user.")
    ledger = CreditLedger(work.session)
    ledger.lock(user_id)
    key = f"adjustment:{user_id}:{idempotency_key or uuid.uuid4()}"
    # A repeat is answered before the balance is checked: the adjustment it repeats may
    # have taken away the very credits a second one would need.
    applied = False
    if not ledger.has(key):
        if ledger.balance(user_id).available + body.amount < 0:
            raise Conflict("That would take the balance below zero.")
        applied = ledger.append(
            NewEntry(
                user_id=user_id,
                key=key,
                kind=CreditKind.ADJUSTMENT,
                amount=body.amount,
                description=body.reason,
                actor_id=admin.id,
            )
        )
    return CreditAdjustmentOut(
        user_id=user_id,
        amount=body.amount,
        balance=ledger.balance(user_id).available,
        applied=applied,
    )


@router.get("/usage", response_model=list[UsageOut])
def read_usage(admin: AdminDep, work: WorkDep) -> list[UsageOut]:
    """Totals per user and voice provider."""
    del admin
    return [
        UsageOut(
            user_id=row.user_id,
            email=row.email,
            provider=row.provider,
            jobs=row.jobs,
            characters=row.characters,
            audio_hours=round(row.audio_seconds / _HOUR, 3),
            cost_usd=cost_of(row.provider, row.characters),
            credits_spent=row.credits_spent,
        )
        for row in AdminRepository(work.session).usage()
    ]


@router.get("/jobs/{job_id}", response_model=AdminJobOut)
def read_any_job(job_id: str, admin: AdminDep, work: WorkDep) -> Job:
    del admin
    job = AdminRepository(work.session).job(job_id)
    if job is None:
        raise NotFound("No such job.")
    return job
