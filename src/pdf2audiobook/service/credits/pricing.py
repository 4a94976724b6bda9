"""What a voice costs the user, in credits: rates are rows, edited without a deploy."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdf2audiobook.service.kit.errors import BadRequest
from pdf2audiobook.service.models import VoiceRate


def price_of(characters: int, credits_per_million: int) -> int:
    """Whole credits for `characters` at a rate: rounded up, so a short book of a paid voice
    never costs nothing."""
    return math.ceil(max(characters, 0) * credits_per_million / 1_000_000)


class VoiceRates:
    def __init__(self, session: Session) -> None:
        self._session = session

    def rate(self, provider: str) -> int:
        """Credits per million characters for `provider`.

        Raises BadRequest when no rate is set: a voice without a price is not for sale.
        """
        rate = self._session.get(VoiceRate, provider)
        if rate is None:
            raise BadRequest(f"The voice provider {provider!r} has no price set; choose another.")
        return rate.credits_per_million

    def all(self) -> list[VoiceRate]:
        return list(self._session.scalars(select(VoiceRate).order_by(VoiceRate.provider)))

    def set(self, provider: str, credits_per_million: int) -> VoiceRate:
        if credits_per_million < 0:
            raise ValueError("a rate cannot be negative")
        rate = self._session.get(VoiceRate, provider)
        if rate is None:
            rate = VoiceRate(provider=provider, credits_per_million=credits_per_million)
            self._session.add(rate)
        else:
            rate.credits_per_million = credits_per_million
        self._session.flush()
        return rate
