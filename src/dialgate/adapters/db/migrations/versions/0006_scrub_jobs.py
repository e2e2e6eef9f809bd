"""scrub jobs: HTTP scrubs and their progress, readable from any server worker

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 15:31:39.431068
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scrub_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("created_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scrub_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scrub_jobs_brand_id"), ["brand_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scrub_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scrub_jobs_brand_id"))
    op.drop_table("scrub_jobs")
