"""Personal API tokens for self-hosting: created on the command line, stored as hashes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pdf2audiobook.service.auth import VerifiedIdentity, generate_api_token, hash_api_token
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.users.token_repository import ApiTokenRepository

LOCAL_SUBJECT_PREFIX = "local:"


def create_token_for_email(session: Session, email: str, name: str) -> str:
    """Create (or reuse) the local user for `email` and return a new token, shown once."""
    user = UserRepository(session).get_or_create_by_external_id(
        f"{LOCAL_SUBJECT_PREFIX}{email.strip().lower()}", email.strip()
    )
    token = generate_api_token()
    ApiTokenRepository(session).create(user, name, hash_api_token(token))
    return token


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
