"""Reads and writes of `ApiToken` rows. Flushes, never commits: the caller's unit of work does."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import ApiToken, User, utc_now

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class ApiTokenRepository:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock

    def create(
        self, user: User, name: str, token_hash: str, expires_at: datetime | None = None
    ) -> ApiToken:
        """Store a new token for `user` by its SHA-256 hex digest.

        Raises ValueError when `token_hash` is not a lower-case SHA-256 hex digest, which
        keeps a raw token from ever being stored by mistake.
        """
        if not _SHA256_HEX.fullmatch(token_hash):
            raise ValueError("token_hash must be a lower-case SHA-256 hex digest")
        token = ApiToken(user_id=user.id, name=name, token_hash=token_hash, expires_at=expires_at)
        self._session.add(token)
        self._session.flush()
        return token

    def find_active_by_hash(self, token_hash: str) -> ApiToken | None:
        """The live token with this digest; None for an unknown, revoked or expired one."""
        statement = select(ApiToken).where(
            ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), self._unexpired()
        )
        return self._session.scalars(statement).first()

    def touch(self, token: ApiToken) -> None:
        """Record that `token` was just used."""
        token.last_used_at = self._clock()
        self._session.flush()

    def list_active(self, user: User) -> list[ApiToken]:
        """`user`'s live tokens (neither revoked nor expired), newest first."""
        statement = self._owned_by(user).where(ApiToken.revoked_at.is_(None), self._unexpired())
        return list(self._session.scalars(statement.order_by(ApiToken.created_at.desc())))

    def revoke(self, user: User, token_id: str) -> bool:
        """Revoke one of `user`'s tokens. False when `user` has no live token with that id,
        including when it belongs to someone else."""
        statement = (
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=self._clock())
            .returning(ApiToken.id)
        )
        return self._session.execute(statement).first() is not None

    def _unexpired(self) -> ColumnElement[bool]:
        return or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > self._clock())

    def _owned_by(self, user: User) -> Select[ApiToken]:
        return select(ApiToken).where(ApiToken.user_id == user.id)
