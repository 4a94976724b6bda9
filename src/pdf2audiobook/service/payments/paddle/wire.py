"""What Paddle's API replies and webhook payloads have in common: tolerant models, and money
as strings of minor units."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

_DIGITS = re.compile(r"\d{1,18}")


class PaddleModel(BaseModel):
    """Paddle adds fields to its entities without a new API version, so unknown fields are
    ignored; the fields a model names are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _minor_units(value: object) -> int:
    # Paddle sends amounts as strings of the currency's minor unit ("1999" is 19.99 USD). A
    # number or a decimal string is not that shape, and guessing its unit would be worse.
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise ValueError(f"an amount must be a string of digits in minor units, not {value!r}")
    return int(value)


MinorUnits = Annotated[int, BeforeValidator(_minor_units)]
"""An amount Paddle sends as a string of minor units, as an int."""
