"""Reads and writes of `User` rows. Flushes, never commits: the caller's unit of work does."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import User, UserRole

NAMESPACED_PREFIXES = ("local:", "jwt:")


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)

    def get_by_external_id(self, external_id: str) -> User | None:
        return self._session.scalars(select(User).where(User.external_id == external_id)).first()

    def get_or_create_by_external_id(
        self, external_id: str, email: str | None, *, legacy_external_id: str | None = None
    ) -> User:
        """The user the identity provider knows as `external_id`, created on first sight.

        Safe when two first requests of the same person race: the loser's insert is rolled
        back to a savepoint and the winner's row is returned. A changed `email` is copied onto
        an existing user (the provider is the source of truth); None leaves it as it is. A
        user stored under `legacy_external_id` (a bare JWT subject, from before identities
        were keyed by issuer) is moved to `external_id` instead of a new one being made.
        """
        user = self.get_by_external_id(external_id)
        if user is None and legacy_external_id is not None:
            user = self._adopt_legacy(legacy_external_id, external_id)
        if user is None:
            user = self._insert_or_find(external_id, email)
        elif email is not None and user.email != email:
            user.email = email
            self._session.flush()
        return user

    def _adopt_legacy(self, legacy_external_id: str, external_id: str) -> User | None:
        # Only a bare subject is legacy: a namespaced one belongs to another identity.
        if legacy_external_id.startswith(NAMESPACED_PREFIXES):
            return None
        user = self.get_by_external_id(legacy_external_id)
        if user is not None:
            user.external_id = external_id
            self._session.flush()
        return user

    def _insert_or_find(self, external_id: str, email: str | None) -> User:
        user = User(external_id=external_id, email=email)
        try:
            with self._session.begin_nested():
                self._session.add(user)
        except IntegrityError:
            existing = self.get_by_external_id(external_id)
            if existing is None:
                raise
            return existing
        return user

    def update_names(self, user: User, first_name: str | None, last_name: str | None) -> User:
        user.first_name = first_name
        user.last_name = last_name
        self._session.flush()
        return user

    def set_role_by_email(self, email: str, role: UserRole) -> int:
        """Give every user with this address (case aside) `role`; returns how many."""
        statement = (
            update(User)
            .where(func.lower(User.email) == email.strip().lower())
            .values(role=role)
            .returning(User.id)
            .execution_options(synchronize_session=False)
        )
        return len(self._session.execute(statement).all())
