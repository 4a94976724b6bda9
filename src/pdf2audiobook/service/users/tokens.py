"""Personal API tokens for self-hosting: created on the command line, stored as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pdf2audiobook.service.auth import VerifiedIdentity, generate_api_token, hash_api_token
from pdf2audiobook.service.models import ApiToken, User
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.users.token_repository import ApiTokenRepository

LOCAL_SUBJECT_PREFIX = "local:"


def create_token_for_email(
    session: Session, email: str, name: str, expires_at: datetime | None = None
) -> str:
    """Create (or reuse) the local user for `email` and return a new token, shown once."""
    return create_token(session, local_user(session, email), name, expires_at)[1]


def local_user(session: Session, email: str) -> User:
    """The self-hosted user for `email`, created on first use."""
    return UserRepository(session).get_or_create_by_external_id(
        f"{LOCAL_SUBJECT_PREFIX}{email.strip().lower()}", email.strip()
    )


def create_token(
    session: Session, user: User, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A new token for `user`: its row and the token itself, which is never stored and
    cannot be shown again."""
    token = generate_api_token()
    row = ApiTokenRepository(session).create(user, name, hash_api_token(token), expires_at)
    return row, token


def identity_for_token_hash(session: Session, token_hash: str) -> VerifiedIdentity | None:
    tokens = ApiTokenRepository(session)
    token = tokens.find_active_by_hash(token_hash)
    if token is None:
        return None
    user = UserRepository(session).get(token.user_id)
    if user is None:
        return None
    tokens.touch(token)
    return VerifiedIdentity(subject=user.external_id, email=user.email)
