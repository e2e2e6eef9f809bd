"""scrub jobs say when their result was deleted at the end of its retention

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scrub_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "result_removed_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("scrub_jobs", schema=None) as batch_op:
        batch_op.drop_column("result_removed_at")
