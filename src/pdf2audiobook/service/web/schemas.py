from __future__ import annotations

from pydantic import BaseModel


class ClerkSignInOut(BaseModel):
    frontend_api: str
    """Clerk's Frontend API origin, which hands a signed-in browser its session tokens."""
    sign_in_url: str
    """The hosted Account Portal page that signs a person in and sends them back."""


class ServerConfigOut(BaseModel):
    """What a client needs to know of this server before anyone signs in."""

    clerk: ClerkSignInOut | None
    """Set when sign-in tokens come from Clerk; personal API tokens work either way."""
    credits_enabled: bool
    payments_enabled: bool
    """Whether checkout can sell credits now."""
    max_upload_bytes: int
