from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class UserOut(BaseModel):
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    credit_balance: int
    """Credits you can spend now (`/api/v1/credits` has what is held and the history)."""
    tier: str
    role: str
    created_at: datetime


class UserNamesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
