from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pdf2audiobook.service.jobs.api.schemas import JobOut
from pdf2audiobook.service.kit.json_types import NOT_A_BOOLEAN

AdjustmentAmount = Annotated[int, Field(ge=-10_000_000, le=10_000_000), NOT_A_BOOLEAN]


class AdminUserOut(BaseModel):
    id: str
    email: str | None
    role: str
    created_at: datetime
    balance: int
    reserved: int
    jobs: int
    characters: int
    """Characters sent to voice providers over all the user's jobs."""
    audio_hours: float
    cost_usd: float
    """What the voice providers charged for them."""


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    total: int
    limit: int
    offset: int


class CreditAdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: AdjustmentAmount
    """Credits to add (negative to take away); never zero."""
    reason: str = Field(min_length=3, max_length=500)


class CreditAdjustmentOut(BaseModel):
    user_id: str
    amount: int
    balance: int
    applied: bool
    """False when this Idempotency-Key was used before: nothing changed again."""


class UsageOut(BaseModel):
    user_id: str
    email: str | None
    provider: str
    jobs: int
    characters: int
    audio_hours: float
    cost_usd: float
    """The provider's list price for those characters."""
    credits_spent: int


class AdminJobOut(JobOut):
    """A job as an administrator sees it: with what the providers were sent and charged."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str
    characters_sent: int | None
    cost_usd: float | None
