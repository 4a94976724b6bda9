"""What the fake Paddle knows and how it answers: customers, transactions, prices, the
requests it was sent, and the faults and delays a test asked for.

Replies follow Paddle Billing's documented shapes: entities under `data`, `meta.request_id`,
and errors as `{"error": {"type", "code", "detail", "documentation_url", "errors"?}}` with
Paddle's codes and status codes (an API key Paddle does not know is a 403 `invalid_token`).
Paddle documents no idempotency keys, so none are honoured: every POST creates anew.
"""

from __future__ import annotations

import re
import secrets
import string
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

Body = dict[str, Any]
Reply = tuple[int, Body, dict[str, str]]

_ID_ALPHABET = string.ascii_lowercase + string.digits
_PRICE_ID = re.compile(r"pri_[a-z\d]{26}")
_DOCS = "https://developer.paddle.com/errors"
DEFAULT_UNIT_AMOUNT = "1000"


def new_id(prefix: str) -> str:
    """A Paddle-shaped id: the entity's prefix and 26 lowercase letters and digits."""
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _meta() -> Body:
    return {"request_id": str(uuid.uuid4())}


def error_reply(
    status: int,
    code: str,
    detail: str,
    *,
    kind: str = "request_error",
    area: str = "shared",
    errors: list[Body] | None = None,
    headers: dict[str, str] | None = None,
    with_meta: bool = True,
) -> Reply:
    error: Body = {
        "type": kind,
        "code": code,
        "detail": detail,
        "documentation_url": f"{_DOCS}/{area}/{code}",
    }
    if errors is not None:
        error["errors"] = errors
    body: Body = {"error": error}
    if with_meta:
        body["meta"] = _meta()
    return status, body, headers or {}


def invalid_field(field: str, message: str) -> Reply:
    errors = [{"field": field, "message": message}]
    return error_reply(400, "invalid_field", "Request does not pass validation.", errors=errors)


@dataclass(frozen=True, slots=True)
class Fault:
    """An error to answer instead of the next request (to `path`, when given)."""

    status: int
    path: str | None = None
    code: str | None = None
    detail: str | None = None
    retry_after: int | None = None

    def reply(self) -> Reply:
        if self.status == 429:
            # Paddle's documented 429 carries Retry-After and no meta.
            return error_reply(
                429,
                self.code or "too_many_requests",
                self.detail or "You have exceeded the allowed rate limit.",
                kind="api_error",
                headers={"Retry-After": str(self.retry_after or 1)},
                with_meta=False,
            )
        if self.status >= 500:
            code = self.code or "internal_error"
            return error_reply(
                self.status,
                code,
                self.detail or "An internal error has occurred.",
                kind="api_error",
            )
        return error_reply(
            self.status, self.code or "bad_request", self.detail or "Invalid request."
        )


@dataclass(frozen=True, slots=True)
class Delay:
    seconds: float
    path: str | None = None


class PaddleState:
    """The fake's whole state, safe to use from the server's threads."""

    def __init__(
        self, api_key: str, prices: Mapping[str, str], checkout_url_base: str | None
    ) -> None:
        self.api_key = api_key
        self._initial_prices = dict(prices)
        self._initial_checkout_url_base = checkout_url_base
        self._lock = threading.Lock()
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        """Forget customers, transactions, recorded requests, faults and delays; prices and the
        default payment link go back to the command line's."""
        with self._lock:
            # Requests still being answered belong to the old generation and must not
            # change the new one (see `current`).
            self.generation += 1
            self.prices = dict(self._initial_prices)
            self.checkout_url_base = self._initial_checkout_url_base
            self.customers: dict[str, Body] = {}
            self.transactions: dict[str, Body] = {}
            self.requests: list[Body] = []
            self._faults: deque[Fault] = deque()
            self._delays: deque[Delay] = deque()

    def set_prices(self, prices: Mapping[str, str]) -> None:
        with self._lock:
            self.prices = dict(prices)

    def set_checkout_url_base(self, base: str | None) -> None:
        with self._lock:
            self.checkout_url_base = base

    def add_faults(self, fault: Fault, count: int) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def add_delays(self, delay: Delay, count: int) -> None:
        with self._lock:
            self._delays.extend([delay] * count)

    def record(self, request: Body) -> int:
        """Keep `request` for GET /__fake__/requests (its `status` is filled in on reply), and
        return the generation it arrived in."""
        with self._lock:
            self.requests.append(request)
            return self.generation

    def current(self, generation: int) -> bool:
        """Whether no reset happened since `generation` was read."""
        with self._lock:
            return self.generation == generation

    def set_status(self, request: Body, status: int) -> None:
        with self._lock:
            request["status"] = status

    def recorded(self) -> list[Body]:
        with self._lock:
            return [dict(request) for request in self.requests]

    def take_delay(self, path: str) -> float:
        with self._lock:
            delay = _take(self._delays, path)
        return delay.seconds if delay else 0.0

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            return _take(self._faults, path)

    def authenticate(self, authorization: str | None) -> Reply | None:
        """None when `authorization` carries our API key; Paddle's 403 otherwise."""
        if not authorization:
            return error_reply(403, "authentication_missing", "Authentication header missing.")
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token:
            return error_reply(
                403, "authentication_malformed", "Authentication header included, but malformed."
            )
        if not secrets.compare_digest(token, self.api_key):
            return error_reply(403, "invalid_token", "Invalid or revoked API key.")
        return None

    def create_customer(self, body: Body) -> Reply:
        email = body.get("email")
        if not isinstance(email, str) or "@" not in email:
            return invalid_field("email", "must be a valid email address")
        with self._lock:
            for customer in self.customers.values():
                if customer["email"].lower() == email.lower():
                    detail = f"customer email conflicts with customer of id {customer['id']}"
                    return error_reply(409, "customer_already_exists", detail, area="customers")
            now = _now()
            customer = {
                "id": new_id("ctm"),
                "name": body.get("name"),
                "email": email,
                "marketing_consent": False,
                "status": "active",
                "custom_data": body.get("custom_data"),
                "locale": body.get("locale", "en"),
                "created_at": now,
                "updated_at": now,
                "import_meta": None,
            }
            self.customers[customer["id"]] = customer
        return 201, {"data": customer, "meta": _meta()}, {}

    def list_customers(self, query: Mapping[str, list[str]]) -> Reply:
        emails = {e.lower() for value in query.get("email", []) for e in value.split(",") if e}
        with self._lock:
            found = [
                customer
                for customer in self.customers.values()
                if customer["status"] == "active"
                and (not emails or customer["email"].lower() in emails)
            ]
        pagination = {
            "per_page": 50,
            "next": None,
            "has_more": False,
            "estimated_total": len(found),
        }
        return 200, {"data": found, "meta": {**_meta(), "pagination": pagination}}, {}

    def create_transaction(self, body: Body) -> Reply:
        items = body.get("items")
        if not isinstance(items, list) or not items:
            return invalid_field("items", "must be provided as part of the request")
        for index, item in enumerate(items):
            price_id = item.get("price_id") if isinstance(item, dict) else None
            if not isinstance(price_id, str) or not _PRICE_ID.fullmatch(price_id):
                return invalid_field(f"items[{index}].price_id", "must be a valid price id")
            quantity = item.get("quantity", 1)
            if not isinstance(quantity, int) or quantity < 1:
                return invalid_field(f"items[{index}].quantity", "must be 1 or more")
        custom_data = body.get("custom_data")
        if custom_data is not None and not isinstance(custom_data, dict):
            return invalid_field("custom_data", "must be an object")
        with self._lock:
            unknown = [item["price_id"] for item in items if item["price_id"] not in self.prices]
            if unknown:
                detail = (
                    "One or more provided price_ids could not be found, provided: "
                    + ", ".join(unknown)
                )
                return error_reply(400, "transaction_price_not_found", detail, area="transactions")
            customer_id = body.get("customer_id")
            if customer_id is not None and customer_id not in self.customers:
                return error_reply(404, "not_found", f"Entity {customer_id} not found")
            if self.checkout_url_base is None:
                return error_reply(
                    400,
                    "transaction_default_checkout_url_not_set",
                    "Cannot create a transaction or open a checkout as no default payment "
                    "link has been set for this account.",
                    area="transactions",
                )
            transaction = self._transaction(items, customer_id, custom_data)
            self.transactions[transaction["id"]] = transaction
        return 201, {"data": transaction, "meta": _meta()}, {}

    def get_transaction(self, transaction_id: str) -> Reply:
        with self._lock:
            transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return error_reply(404, "not_found", f"Entity {transaction_id} not found")
        return 200, {"data": transaction, "meta": _meta()}, {}

    def _transaction(
        self, items: Iterable[Body], customer_id: str | None, custom_data: Body | None
    ) -> Body:
        now = _now()
        transaction_id = new_id("txn")
        lines = [(self._price(item["price_id"], now), item.get("quantity", 1)) for item in items]
        subtotal = sum(int(price["unit_price"]["amount"]) * quantity for price, quantity in lines)
        totals = {
            "subtotal": str(subtotal),
            "discount": "0",
            "tax": "0",
            "total": str(subtotal),
            "credit": "0",
            "credit_to_balance": "0",
            "balance": str(subtotal),
            "grand_total": str(subtotal),
            "fee": None,
            "earnings": None,
            "currency_code": "USD",
        }
        return {
            "id": transaction_id,
            # Without an address Paddle keeps an automatically-collected transaction a
            # draft; its checkout collects the rest.
            "status": "draft",
            "customer_id": customer_id,
            "address_id": None,
            "business_id": None,
            "custom_data": custom_data,
            "origin": "api",
            "collection_mode": "automatic",
            "subscription_id": None,
            "invoice_id": None,
            "invoice_number": None,
            "billing_details": None,
            "billing_period": None,
            "currency_code": "USD",
            "discount_id": None,
            "created_at": now,
            "updated_at": now,
            "billed_at": None,
            "revised_at": None,
            "items": [
                {"price": price, "quantity": quantity, "proration": None}
                for price, quantity in lines
            ],
            "details": {"totals": totals, "line_items": []},
            "payments": [],
            "checkout": {"url": f"{self.checkout_url_base}?_ptxn={transaction_id}"},
        }

    def _price(self, price_id: str, now: str) -> Body:
        return {
            "id": price_id,
            "product_id": "pro_" + price_id.removeprefix("pri_"),
            "type": "standard",
            "description": "Credits",
            "name": None,
            "billing_cycle": None,
            "trial_period": None,
            "tax_mode": "account_setting",
            "unit_price": {"amount": self.prices[price_id], "currency_code": "USD"},
            "unit_price_overrides": [],
            "quantity": {"minimum": 1, "maximum": 1},
            "status": "active",
            "custom_data": None,
            "import_meta": None,
            "created_at": now,
            "updated_at": now,
        }


Entry = TypeVar("Entry", Fault, Delay)


def _take(queue: deque[Entry], path: str) -> Entry | None:
    """The first queued entry for `path` (or for any path), removed from `queue`."""
    for entry in queue:
        if entry.path in (None, path):
            queue.remove(entry)
            return entry
    return None
