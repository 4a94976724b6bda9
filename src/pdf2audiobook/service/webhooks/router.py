"""`/api/v1/webhooks/{provider}`: payment providers' signed events.

The signature is checked over the raw body first. A verified event is then committed to the
inbox in its own transaction, so it is never lost, and applied in a second one that claims
it and marks it handled together with its effect: a crash between the two leaves it
unhandled, and the provider's next delivery applies it then. Effects are keyed in the ledger
too, so even an effect applied outside this path cannot be applied twice.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from pdf2audiobook.service.deps import StateDep
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.errors import BadRequest, ErrorBody, NotFound, ServiceUnavailable
from pdf2audiobook.service.payments.provider import (
    InvalidSignature,
    PaymentProvider,
    ProviderError,
    VerifiedEvent,
)
from pdf2audiobook.service.payments.registry import webhook_provider
from pdf2audiobook.service.payments.schemas import WebhookOut
from pdf2audiobook.service.webhooks.effects import NotYet, apply_event
from pdf2audiobook.service.webhooks.inbox import Inbox

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 1024 * 1024
"""Providers' events are a few KB; anything this large is not one of them."""

router = APIRouter(
    prefix="/webhooks",
    tags=["webhooks"],
    responses={code: {"model": ErrorBody} for code in (400, 404, 413, 503)},
)


class InvalidWebhook(BadRequest):
    pass


class NotReady(ServiceUnavailable):
    """503: the provider should deliver the event again later."""


@router.post("/{provider}", response_model=WebhookOut)
async def receive_webhook(provider: str, request: Request, state: StateDep) -> WebhookOut:
    """Verify, store and apply one event. 404 while the provider has no webhook secret
    configured, 400 for a bad signature, 503 when it should be delivered again later."""
    payments = webhook_provider(state.settings, provider)
    if payments is None:
        raise NotFound("No such webhook.")
    body = await _raw_body(request)
    try:
        event = payments.verify_webhook(body, request.headers)
    except InvalidSignature as error:
        logger.warning("refused a %s webhook: %s", provider, error.reason)
        raise InvalidWebhook(error.reason) from None
    # Database and provider calls block: run them off the event loop.
    from starlette.concurrency import run_in_threadpool

    status = await run_in_threadpool(_store_and_apply, state, payments, event)
    return WebhookOut(status=status)


async def _raw_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            raise InvalidWebhook("The body is too large to be a webhook event.")
        chunks.append(chunk)
    return b"".join(chunks)


def _store_and_apply(state: StateDep, payments: PaymentProvider, event: VerifiedEvent) -> str:
    with session_scope(state.sessions) as session:
        row_id = Inbox(session).store(event)
    try:
        translated = payments.translate(event)
    except ValueError as error:
        # Signed, so it is the provider's; but not in the documented shape, and it never
        # will be: keep it for an operator and do not ask for it again.
        logger.error("%s event %s has an unknown shape: %s", event.provider, event.event_id, error)
        return _record(state, row_id, f"not applied: unexpected shape ({error})")
    except ProviderError as error:
        raise NotReady(f"Could not look the event up at the provider: {error.message}") from None
    with session_scope(state.sessions) as session:
        inbox = Inbox(session)
        stored = inbox.claim(row_id)
        if stored is None:
            return "duplicate"
        try:
            outcome = apply_event(session, event.provider, translated, event.occurred_at)
        except NotYet as waiting:
            raise NotReady(str(waiting)) from None
        inbox.mark_handled(stored, outcome)
    logger.info("%s event %s (%s): %s", event.provider, event.event_id, event.event_type, outcome)
    return "handled"


def _record(state: StateDep, row_id: int, outcome: str) -> str:
    with session_scope(state.sessions) as session:
        inbox = Inbox(session)
        stored = inbox.claim(row_id)
        if stored is None:
            return "duplicate"
        inbox.mark_handled(stored, outcome)
    return "handled"
