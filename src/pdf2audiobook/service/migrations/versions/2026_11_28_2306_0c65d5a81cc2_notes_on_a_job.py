"""Notes on a job for its user (e.g. a summary made without the language model).

Revision ID: 0c65d5a81cc2
Revises: 6d99c7133adf
Create Date: 2026-11-28 23:06:23.583588+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0c65d5a81cc2"
down_revision: str | Sequence[str] | None = "6d99c7133adf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("notes")
