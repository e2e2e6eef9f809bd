"""registers: snapshot metadata and the pointer to the snapshot in force

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:26:36.378282
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_snapshots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("index_path", sa.String(length=500), nullable=False),
        sa.Column("index_bytes", sa.BigInteger(), nullable=False),
        sa.Column("has_listing_dates", sa.Boolean(), nullable=False),
        sa.Column("base_snapshot_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("register_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_snapshots_name"), ["name"], unique=False)

    op.create_table(
        "register_current",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.String(length=32), nullable=False),
        sa.Column("switched_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["register_snapshots.id"],
        ),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("register_current")
    with op.batch_alter_table("register_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_snapshots_name"))

    op.drop_table("register_snapshots")
