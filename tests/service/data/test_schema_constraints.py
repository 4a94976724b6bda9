"""The database itself refuses rows the models would not produce, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import column, insert, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.models import Chapter, User, utc_now

# Untyped columns, so values reach the database without the models' own validation.
RAW_JOBS = table(
    "jobs",
    *(
        column(name)
        for name in (
            "id",
            "user_id",
            "status",
            "progress",
            "options",
            "original_filename",
            "pdf_key",
            "attempts",
            "created_at",
            "updated_at",
        )
    ),
)


def _raw_job(user: User, **overrides: object) -> dict[str, object]:
    now = utc_now()
    row: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "user_id": user.id,
        "status": "pending",
        "progress": 0,
        "options": "{}",
        "original_filename": "x.pdf",
        "pdf_key": "uploads/x.pdf",
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    return row | overrides


def test_raw_insert_helper_makes_a_valid_row(
    session: Session, new_user: Callable[[], User]
) -> None:
    user = new_user()
    session.execute(insert(RAW_JOBS).values(_raw_job(user)))

    assert JobRepository(session, user.id).list()[1] == 1


@pytest.mark.parametrize(
    "overrides",
    [{"status": "paused"}, {"progress": 101}, {"progress": -1}, {"attempts": -1}],
    ids=["unknown-status", "progress-over-100", "negative-progress", "negative-attempts"],
)
def test_the_database_refuses_values_outside_the_models_range(
    session: Session, new_user: Callable[[], User], overrides: dict[str, object]
) -> None:
    with pytest.raises(IntegrityError):
        session.execute(insert(RAW_JOBS).values(_raw_job(new_user(), **overrides)))


def test_a_chapter_must_belong_to_an_existing_job(session: Session) -> None:
    session.add(
        Chapter(
            job_id=str(uuid.uuid4()),
            number=1,
            title="Orphan",
            start_page=1,
            end_page=1,
            word_count=0,
        )
    )

    with pytest.raises(IntegrityError):
        session.flush()
