"""`/api/v1/auth/tokens`: the caller's personal API tokens, created, listed and revoked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from pdf2audiobook.service.deps import WorkDep
from pdf2audiobook.service.kit.errors import Conflict, ErrorBody, NotFound
from pdf2audiobook.service.kit.json_types import NOT_A_BOOLEAN
from pdf2audiobook.service.limits import LimitClass, rate_limited
from pdf2audiobook.service.models import utc_now
from pdf2audiobook.service.users.current import UserDep
from pdf2audiobook.service.users.token_repository import ApiTokenRepository
from pdf2audiobook.service.users.tokens import create_token

MAX_TOKENS_PER_USER = 50
"""A token is a key to the account: a few are plenty, hundreds mean something is wrong."""

router = APIRouter(
    prefix="/auth/tokens",
    tags=["auth"],
    responses={code: {"model": ErrorBody} for code in (401, 404, 409)},
)


ExpiryDays = Annotated[int, Field(ge=1, le=3650), NOT_A_BOOLEAN]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_in_days: ExpiryDays | None = None
    """None: valid until revoked."""


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class NewTokenOut(TokenOut):
    token: str
    """The token itself: shown this once, stored only as a hash."""


@router.get("", response_model=list[TokenOut])
def list_tokens(user: UserDep, work: WorkDep) -> list[TokenOut]:
    """Your live tokens, newest first (never the tokens themselves)."""
    return [TokenOut.model_validate(t) for t in ApiTokenRepository(work.session).list_active(user)]


@router.post(
    "",
    response_model=NewTokenOut,
    status_code=201,
    dependencies=[Depends(rate_limited(LimitClass.TOKENS))],
    responses={503: {"model": ErrorBody}},
)
def create_api_token(body: TokenIn, user: UserDep, work: WorkDep) -> NewTokenOut:
    """A new personal API token for scripts, shown once."""
    tokens = ApiTokenRepository(work.session)
    if len(tokens.list_active(user)) >= MAX_TOKENS_PER_USER:
        raise Conflict(f"You have {MAX_TOKENS_PER_USER} tokens: revoke one first.")
    expires_at = utc_now() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row, token = create_token(work.session, user, body.name, expires_at)
    return NewTokenOut(**TokenOut.model_validate(row).model_dump(), token=token)


@router.delete("/{token_id}", status_code=204)
def revoke_api_token(token_id: str, user: UserDep, work: WorkDep) -> Response:
    """Revoke one of your tokens; it stops working at once."""
    if not ApiTokenRepository(work.session).revoke(user, token_id):
        raise NotFound("No such token.")
    return Response(status_code=204)
