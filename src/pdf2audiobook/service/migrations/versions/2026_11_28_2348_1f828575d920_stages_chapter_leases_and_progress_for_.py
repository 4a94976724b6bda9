"""Stages, chapter leases and progress for Celery workers.

Chapters are synthesised by separate tasks, each under its own lease; existing rows
start with zero characters, progress and attempts.

Revision ID: 1f828575d920
Revises: 0c65d5a81cc2
Create Date: 2026-11-28 23:48:16.296231+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1f828575d920"
down_revision: str | Sequence[str] | None = "0c65d5a81cc2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("characters", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("progress", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage",
                sa.Enum(
                    "extracting",
                    "synthesising",
                    "assembling",
                    name="job_stage",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        # The CHECK on stage would outlive its column in SQLite's table copy.
        batch_op.drop_constraint(op.f("ck_jobs_job_stage"), type_="check")
        batch_op.drop_column("enqueued_at")
        batch_op.drop_column("stage")

    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_column("enqueued_at")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("attempts")
        batch_op.drop_column("progress")
        batch_op.drop_column("characters")
