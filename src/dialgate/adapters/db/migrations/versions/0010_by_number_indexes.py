"""a number's consent events and decisions read in order from their (brand, number) indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:50:00

On PostgreSQL the new indexes are built CONCURRENTLY, outside the migration's transaction: the
decisions table of a busy store holds millions of rows, and a plain CREATE INDEX would hold off the
decision log's writes (and every import's consent appends) until it finished.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SWAPS = (
    ("consent_events", "ix_consent_events_brand_number", "ix_consent_events_brand_number_seq", "seq"),
    ("decisions", "ix_decisions_brand_number", "ix_decisions_brand_number_evaluated", "evaluated_at"),
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for table, old, new, last in _SWAPS:
            # A CONCURRENTLY build that failed leaves an invalid index under its name: built afresh, never
            # taken for done, and the old index goes only once the new one stands.
            op.drop_index(new, table_name=table, postgresql_concurrently=True, if_exists=True)
            op.create_index(new, table, ["brand_id", "number", last], postgresql_concurrently=True)
            op.drop_index(old, table_name=table, postgresql_concurrently=True, if_exists=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for table, old, new, _ in _SWAPS:
            op.drop_index(old, table_name=table, postgresql_concurrently=True, if_exists=True)
            op.create_index(old, table, ["brand_id", "number"], postgresql_concurrently=True)
            op.drop_index(new, table_name=table, postgresql_concurrently=True, if_exists=True)
