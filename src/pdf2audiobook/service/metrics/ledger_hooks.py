"""Counting credit grants when, and only when, the transaction that wrote them commits:
a grant rolled back (a webhook that failed half way) was never given."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from pdf2audiobook.service.metrics.instruments import instruments

logger = logging.getLogger(__name__)
_PENDING = "pdf2audiobook.metrics.pending_grants"


def count_grant_on_commit(session: Session, kind: str, amount: int) -> None:
    """Count a grant or purchase of `amount` credits once `session` commits."""
    session.info.setdefault(_PENDING, []).append((kind, amount))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    pending: list[tuple[str, int]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # The transaction is committed: nothing raised here may reach the caller's commit().
    try:
        metrics = instruments()
        for kind, amount in pending:
            metrics.credit_grants.labels(kind=kind).inc()
            # A counter only grows; an entry of a grant kind that takes credits away (a
            # correction) is counted as an entry, with nothing added.
            metrics.credits_granted.labels(kind=kind).inc(max(amount, 0))
    except Exception:
        logger.warning("could not count %d credit grants", len(pending), exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING, None)
