"""The rate-limit classes and what each allows, read from settings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from limits import RateLimitItem, parse

from pdf2audiobook.service.kit.settings import Settings

NAMESPACE = "pdf2audiobook"


class LimitClass(StrEnum):
    API = "api"
    """Every `/api/v1` request not in a class of its own (webhooks are)."""
    SUBMIT = "submit"
    UPLOAD = "upload"
    CHECKOUT = "checkout"
    TOKENS = "tokens"
    WEBHOOKS = "webhooks"


class WhenStorageDown(Enum):
    """What a class does while the shared counters (Redis) cannot be reached."""

    COUNT_IN_PROCESS = "count in process"
    """Go on counting in this process's memory: each API process allows the limit. Jobs
    stay bounded by the quota, which the database keeps, and wait in it for Redis."""
    REFUSE = "refuse"
    """Answer 503: checkouts open sessions on the payment provider's account, whose own
    limits a multiplied allowance could exhaust; a buyer can retry in seconds."""


@dataclass(frozen=True, slots=True)
class Policy:
    limit_class: LimitClass
    rate: RateLimitItem
    when_storage_down: WhenStorageDown


_REFUSED_WITHOUT_STORAGE = frozenset({LimitClass.CHECKOUT})


def _rate(text: str) -> RateLimitItem:
    rate = parse(text)
    return type(rate)(rate.amount, rate.multiples, namespace=NAMESPACE)


def policies_from_settings(settings: Settings) -> dict[LimitClass, Policy]:
    rates = {
        LimitClass.API: settings.rate_limit_api,
        LimitClass.SUBMIT: settings.rate_limit_submit,
        LimitClass.UPLOAD: settings.rate_limit_upload,
        LimitClass.CHECKOUT: settings.rate_limit_checkout,
        LimitClass.TOKENS: settings.rate_limit_tokens,
        LimitClass.WEBHOOKS: settings.rate_limit_webhooks,
    }
    return {
        limit_class: Policy(
            limit_class,
            _rate(text),
            WhenStorageDown.REFUSE
            if limit_class in _REFUSED_WITHOUT_STORAGE
            else WhenStorageDown.COUNT_IN_PROCESS,
        )
        for limit_class, text in rates.items()
    }
