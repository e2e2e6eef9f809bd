"""a number's consent events and decisions read in order from their (brand, number) indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_consent_events_brand_number_seq", "consent_events", ["brand_id", "number", "seq"])
    op.drop_index("ix_consent_events_brand_number", table_name="consent_events")
    op.create_index(
        "ix_decisions_brand_number_evaluated", "decisions", ["brand_id", "number", "evaluated_at"]
    )
    op.drop_index("ix_decisions_brand_number", table_name="decisions")


def downgrade() -> None:
    op.create_index("ix_decisions_brand_number", "decisions", ["brand_id", "number"])
    op.drop_index("ix_decisions_brand_number_evaluated", table_name="decisions")
    op.create_index("ix_consent_events_brand_number", "consent_events", ["brand_id", "number"])
    op.drop_index("ix_consent_events_brand_number_seq", table_name="consent_events")
