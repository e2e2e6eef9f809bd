"""web: staff users, their sessions, rate buckets for lock-outs and the public page, daily decision counts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 15:54:54.480805
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_days",
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("allowed", sa.BigInteger(), nullable=False),
        sa.Column("blocked", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("brand_id", "scope", "day"),
    )
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("rate_buckets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_buckets_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "staff_users",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "password_changed_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("disabled_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_users_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_users_brand_id"))

    op.drop_table("staff_users")
    with op.batch_alter_table("rate_buckets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_buckets_expires_at"))

    op.drop_table("rate_buckets")
    op.drop_table("decision_days")
