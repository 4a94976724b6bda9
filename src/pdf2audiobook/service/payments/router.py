"""`/api/v1/payments/checkout`: start buying credits or a subscription."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from pdf2audiobook.service.deps import StateDep, WorkDep
from pdf2audiobook.service.kit.errors import ErrorBody, ServiceUnavailable
from pdf2audiobook.service.limits import LimitClass, rate_limited
from pdf2audiobook.service.payments.registry import checkout_provider
from pdf2audiobook.service.payments.schemas import CheckoutIn, CheckoutOut
from pdf2audiobook.service.payments.service import start_checkout
from pdf2audiobook.service.users.current import UserDep

router = APIRouter(
    prefix="/payments",
    tags=["payments"],
    responses={code: {"model": ErrorBody} for code in (400, 401, 404, 503)},
)


@router.post(
    "/checkout",
    response_model=CheckoutOut,
    dependencies=[Depends(rate_limited(LimitClass.CHECKOUT))],
)
def create_checkout(
    body: CheckoutIn,
    state: StateDep,
    work: WorkDep,
    user: UserDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> CheckoutOut:
    """The payment provider's checkout page for a product. The same Idempotency-Key gives
    the same checkout; credits arrive once the provider confirms the payment."""
    provider = checkout_provider(state.settings)
    if provider is None:
        raise ServiceUnavailable("Payments are not configured on this server.")
    checkout = start_checkout(work.session, provider, user, body.product_id, idempotency_key)
    return CheckoutOut(
        checkout_url=checkout.url or "",
        checkout_id=checkout.external_id or "",
        provider=checkout.provider,
    )
