from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pdf2audiobook.service.models import CreditKind


class CreditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: CreditKind
    amount: int
    """Change to the credits you can spend."""
    held: int
    """Change to the credits held for running jobs."""
    job_id: str | None
    description: str
    created_at: datetime


class CreditsOut(BaseModel):
    balance: int
    """Credits you can spend now."""
    reserved: int
    """Credits held for jobs that have not finished; what they do not use comes back."""
    tier: str
    history: list[CreditEntryOut]
    total: int
    """Entries in the whole history."""
    limit: int
    offset: int
