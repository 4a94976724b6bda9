"""One HTTP call to a speech API, with timeouts, bounded retries and typed failures.

429 and 5xx answers and network errors are retried with exponential backoff and
jitter, waiting as long as a `Retry-After` header asks (within a cap); 401/403 and other
4xx answers fail at once, because sending the same request again cannot succeed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    attempts: int = 4
    """Total tries, the first included."""
    base_seconds: float = 0.5
    max_wait_seconds: float = 30.0
    timeout_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    """Injectable so tests can observe waits instead of spending them."""


def request_with_retries(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    content: bytes | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    """The first successful (2xx) response. Raises ProviderAuthError, ProviderRequestError
    or ProviderOutageError with a message naming `provider` and what it answered."""
    last_problem = "no answer"
    for attempt in range(1, policy.attempts + 1):
        try:
            response = client.request(
                method,
                url,
                headers=headers,
                json=json,
                content=content,
                params=params,
                timeout=policy.timeout_seconds,
            )
        except httpx.TransportError as error:
            last_problem = f"{type(error).__name__}"
            wait = _backoff(policy, attempt)
        else:
            if response.is_success:
                return response
            detail = _short_detail(response)
            if response.status_code in (401, 403):
                raise ProviderAuthError(
                    f"{provider} refused the credentials ({response.status_code}: {detail}). "
                    "Check the API key or account.",
                    public_message=f"{provider} refused the service's credentials "
                    f"({response.status_code}).",
                )
            if response.status_code not in RETRYABLE_STATUSES:
                raise ProviderRequestError(
                    f"{provider} rejected the request ({response.status_code}: {detail}).",
                    public_message=f"{provider} rejected the request ({response.status_code}).",
                )
            last_problem = f"{response.status_code}: {detail}"
            wait = _retry_after(response) or _backoff(policy, attempt)
        if attempt < policy.attempts:
            policy.sleep(min(wait, policy.max_wait_seconds))
    raise ProviderOutageError(
        f"{provider} is not answering properly ({last_problem}) after {policy.attempts} tries.",
        public_message=f"{provider} is not answering properly after {policy.attempts} tries.",
    )


def _backoff(policy: RetryPolicy, attempt: int) -> float:
    # Full jitter: spread retries of many workers instead of synchronising them.
    return random.uniform(0, policy.base_seconds * 2 ** (attempt - 1))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _short_detail(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200] if text else response.reason_phrase
