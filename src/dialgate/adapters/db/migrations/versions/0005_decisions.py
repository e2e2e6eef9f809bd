"""decisions: the audit trail of every check

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:54:11.966183
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("check_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_version", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("evaluated_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=5), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("next_allowed_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("caller_id", sa.String(length=32), nullable=True),
        sa.Column("vendor_id", sa.String(length=64), nullable=True),
        sa.Column("pack_version", sa.String(length=32), nullable=True),
        sa.Column("snapshots", sa.Text(), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("check_id"),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_brand_evaluated", ["brand_id", "evaluated_at"], unique=False)
        batch_op.create_index("ix_decisions_brand_number", ["brand_id", "number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_brand_number")
        batch_op.drop_index("ix_decisions_brand_evaluated")

    op.drop_table("decisions")
