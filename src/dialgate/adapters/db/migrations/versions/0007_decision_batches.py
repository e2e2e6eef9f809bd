"""decision batches

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 15:23:07.229641
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_batches",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_version", sa.Integer(), nullable=True),
        sa.Column("at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("evaluated_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("caller_id", sa.String(length=32), nullable=True),
        sa.Column("vendor_id", sa.String(length=64), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("reason_counts", sa.JSON(), nullable=False),
        sa.Column("pack_versions", sa.Text(), nullable=True),
        sa.Column("snapshots", sa.Text(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    with op.batch_alter_table("decision_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decision_batches_brand_evaluated", ["brand_id", "evaluated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_batches_brand_evaluated")

    op.drop_table("decision_batches")
