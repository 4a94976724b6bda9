"""What Stripe's API and webhook objects have in common: tolerant models, unix timestamps,
and request parameters in Stripe's form encoding."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from pydantic import BaseModel, BeforeValidator, ConfigDict

# Stripe object ids are a prefix and letters, digits and underscores. Checked before an id
# from a webhook or a request goes into a URL path, so it can only ever name one object.
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")

FormValue = str | int | bool | None | Mapping[str, "FormValue"] | Sequence["FormValue"]
"""A request parameter: nested mappings and sequences become Stripe's bracketed keys."""

# Unix times from 2000 to 2100: a number outside is not a time Stripe sent.
_EARLIEST, _LATEST = 946_684_800, 4_102_444_800


class StripeModel(BaseModel):
    """Stripe adds fields to its objects within an API version, so unknown fields are
    ignored; the fields a model names are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _unix_time(value: object) -> datetime:
    # Stripe sends times as integer seconds since the epoch. A string or a float is not that
    # shape (a bool is an int to Python, and not a time either).
    if isinstance(value, datetime):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"a time must be whole unix seconds, not {value!r}")
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"{value} is not a plausible unix time")
    return datetime.fromtimestamp(value, UTC)


UnixTime = Annotated[datetime, BeforeValidator(_unix_time)]
"""A time Stripe sends as unix seconds, as an aware UTC datetime."""


def form_encode(params: Mapping[str, FormValue]) -> str:
    """`params` as Stripe's `application/x-www-form-urlencoded` body.

    Nested values become bracketed keys: `{"line_items": [{"price": "p"}]}` is
    `line_items[0][price]=p`, `{"metadata": {"user_id": "u"}}` is `metadata[user_id]=u`.
    Booleans are `true`/`false`; None leaves the parameter out.
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(key, value, pairs)
    return urlencode(pairs)


def _flatten(key: str, value: FormValue, pairs: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        pairs.append((key, "true" if value else "false"))
    elif isinstance(value, str | int):
        pairs.append((key, str(value)))
    elif isinstance(value, Mapping):
        for inner_key, inner in value.items():
            _flatten(f"{key}[{inner_key}]", inner, pairs)
    else:
        for index, inner in enumerate(value):
            _flatten(f"{key}[{index}]", inner, pairs)
