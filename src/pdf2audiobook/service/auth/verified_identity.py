"""Who a request is acting for, once its bearer token has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """The result of a successful authentication.

    `subject` is the stable user id from the identity provider (a JWT's `sub`) or the
    user an API token belongs to. `claims` holds the verified JWT claims; it is empty
    for API tokens unless the resolver chooses to fill it.
    """

    subject: str
    email: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, hash=False)
    issuer: str | None = None
    """The JWT's issuer (empty when the token names none); None for an API token."""

    @property
    def external_id(self) -> str:
        """The user this identity is, as stored: an identity provider's users are keyed by
        issuer and subject, so no JWT can ever name a self-hosted (`local:`) user or a user
        of another issuer."""
        if self.issuer is None:
            return self.subject
        return f"{JWT_PREFIX}{self.issuer}|{self.subject}"


JWT_PREFIX = "jwt:"
