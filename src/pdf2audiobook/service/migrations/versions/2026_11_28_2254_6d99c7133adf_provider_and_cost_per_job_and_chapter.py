"""Provider and voice per chapter; characters sent and cost per job.

Revision ID: 6d99c7133adf
Revises: 666816ed5e3c
Create Date: 2026-11-28 22:54:31.737793+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d99c7133adf"
down_revision: str | Sequence[str] | None = "666816ed5e3c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("voice", sa.String(length=128), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("characters_sent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cost_usd", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("cost_usd")
        batch_op.drop_column("characters_sent")

    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_column("voice")
        batch_op.drop_column("provider")
