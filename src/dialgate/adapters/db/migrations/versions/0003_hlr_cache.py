"""hlr cache: the last usable HLR answer per number, shared by processes and runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:00:26.733188
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hlr_cache",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("roaming", sa.String(length=8), nullable=False),
        sa.Column("roaming_country", sa.String(length=2), nullable=True),
        sa.Column("ported", sa.Boolean(), nullable=True),
        sa.Column("original_network", sa.String(length=200), nullable=True),
        sa.Column("current_network", sa.String(length=200), nullable=True),
        sa.Column("mcc", sa.String(length=3), nullable=True),
        sa.Column("mnc", sa.String(length=3), nullable=True),
        sa.Column("looked_up_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("hlr_cache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hlr_cache_looked_up_at"), ["looked_up_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hlr_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hlr_cache_looked_up_at"))
    op.drop_table("hlr_cache")
