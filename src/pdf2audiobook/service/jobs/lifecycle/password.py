"""A job's PDF password: sealed with SECRET_KEY on the job's row, never in a queue message,
and readable only until PDF_PASSWORD_HOURS have passed."""

from __future__ import annotations

from pdf2audiobook.service.kit.sealing import Sealer
from pdf2audiobook.service.kit.settings import Settings

_PURPOSE = "pdf-password"


def seal_pdf_password(settings: Settings, password: str) -> str:
    return Sealer(settings.secret_key, _PURPOSE).seal(password)


def unseal_pdf_password(settings: Settings, sealed: str | None) -> str | None:
    """The password, or None when there is none or its seal has expired."""
    if sealed is None:
        return None
    return Sealer(settings.secret_key, _PURPOSE).unseal(sealed, settings.pdf_password_hours * 3600)
