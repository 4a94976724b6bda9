"""Where Clerk's hosted sign-in lives, worked out from the JWKS address the service already
checks tokens against, so configuring Clerk once is enough for the page too."""

from __future__ import annotations

from urllib.parse import urlsplit

from pdf2audiobook.service.web.schemas import ClerkSignInOut

_DEVELOPMENT_SUFFIX = ".clerk.accounts.dev"
_PRODUCTION_PREFIX = "clerk."


def clerk_sign_in(jwks_url: str | None) -> ClerkSignInOut | None:
    """The Frontend API and Account Portal of the Clerk instance whose keys are published at
    `jwks_url` (`https://clerk.example.com/.well-known/jwks.json`), or None when the
    address is not a Clerk Frontend API's.

    A production instance serves its Frontend API at `clerk.<domain>` and its Account
    Portal at `accounts.<domain>`; a development one at `<slug>.clerk.accounts.dev` and
    `<slug>.accounts.dev`.
    """
    if not jwks_url:
        return None
    parts = urlsplit(jwks_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        return None
    if host.endswith(_DEVELOPMENT_SUFFIX):
        portal = host.removesuffix(_DEVELOPMENT_SUFFIX) + ".accounts.dev"
    elif host.startswith(_PRODUCTION_PREFIX):
        portal = "accounts." + host.removeprefix(_PRODUCTION_PREFIX)
    else:
        return None
    origin = f"https://{parts.netloc}"
    return ClerkSignInOut(frontend_api=origin, sign_in_url=f"https://{portal}/sign-in")
