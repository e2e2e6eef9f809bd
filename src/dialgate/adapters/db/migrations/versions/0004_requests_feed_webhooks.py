"""requests, feed, webhooks: consumer requests and their audit trail, the change feed (outbox), vendor
webhooks with their delivery log, and leases for singleton jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 14:51:59.375253
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dialgate.adapters.db.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("delivery_id", sa.String(length=32), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_vendor", ["brand_id", "vendor_id", "id"], unique=False)

    op.create_table(
        "change_events",
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
        ),
        sa.PrimaryKeyConstraint("brand_id", "seq"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "consumer_requests",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("number_valid", sa.Boolean(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=True),
        sa.Column("received_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_rule", sa.String(length=64), nullable=False),
        sa.Column("due_law", sa.Text(), nullable=False),
        sa.Column("ceiling_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ceiling_law", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("caller_id", sa.String(length=64), nullable=True),
        sa.Column("called_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("vendor", sa.String(length=64), nullable=True),
        sa.Column("attempt_id", sa.BigInteger(), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
        sa.Column("export_path", sa.Text(), nullable=True),
        sa.Column("export_sha256", sa.String(length=64), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consumer_requests", schema=None) as batch_op:
        batch_op.create_index("ix_consumer_requests_brand_number", ["brand_id", "number"], unique=False)
        batch_op.create_index(
            "ix_consumer_requests_brand_status_due", ["brand_id", "status", "due_at"], unique=False
        )
        batch_op.create_index("ux_consumer_requests_brand_protocol", ["brand_id", "protocol"], unique=True)

    op.create_table(
        "feed_heads",
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
        ),
        sa.PrimaryKeyConstraint("brand_id"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("brand_id", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_delivered_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
        ),
        sa.PrimaryKeyConstraint("brand_id", "vendor_id"),
    )
    op.create_table(
        "consumer_request_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.String(length=26), nullable=False),
        sa.Column("at", dialgate.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consumer_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consumer_request_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consumer_request_events_request_id"), ["request_id"], unique=False
        )

    for name in ("consumer_request_events", "change_events"):
        _append_only(name)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE in the database itself (same guard as the consent ledger's, in 0001)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION dialgate_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dialgate_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    with op.batch_alter_table("consumer_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_request_events_request_id"))

    op.drop_table("consumer_request_events")
    op.drop_table("webhook_endpoints")
    op.drop_table("feed_heads")
    with op.batch_alter_table("consumer_requests", schema=None) as batch_op:
        batch_op.drop_index("ux_consumer_requests_brand_protocol")
        batch_op.drop_index("ix_consumer_requests_brand_status_due")
        batch_op.drop_index("ix_consumer_requests_brand_number")

    op.drop_table("consumer_requests")
    op.drop_table("change_events")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_vendor")

    op.drop_table("webhook_deliveries")
    op.drop_table("leases")
