from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    credit_balance: int = 0
    """Credits left; payments fill it in a later release, until then always 0."""
    created_at: datetime


class UserNamesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
