"""People: who signed in, their personal API tokens, and what they may do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pdf2audiobook.service.models.base import Base, TimestampedMixin, new_id, string_enum, utc_now


class UserRole(StrEnum):
    USER = "user"
    ADMIN = "admin"


class User(TimestampedMixin, Base):
    """Someone who signed in through the identity provider. Their credits are the sum of
    their `CreditEntry` rows, never a column here."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    """The identity provider's subject (`sub` claim)."""
    # Not unique: a person who deletes their identity-provider account and signs up again
    # keeps the address but gets a new subject.
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[UserRole] = mapped_column(
        string_enum(UserRole, "user_role"), default=UserRole.USER, server_default="user"
    )
    """Set on the command line; an identity provider's role claim can also make a request
    an admin's without changing this."""
    ledger_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Bumped by every credit entry written for the user: the row lock that update takes
    makes one user's ledger writes queue up, so a balance checked is still the balance
    when the entry lands."""


class ApiToken(Base):
    """A personal access token. Only its SHA-256 digest is stored; the token itself is shown
    once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    """None: valid until revoked."""
    revoked_at: Mapped[datetime | None]
