"""Reads by number go through an index that also gives their order. Without ANALYZE statistics SQLite
prefers an index that spares it a sort: for consent_events that was the primary key, which walked the
brand's whole chain for each number (an İYS import of 50,000 rows took six minutes)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

BY_NUMBER = {  # each read, and the index that answers it in order
    "consent_events": (
        "SELECT * FROM consent_events WHERE brand_id = 'b' AND number = '+1' ORDER BY seq",
        "ix_consent_events_brand_number_seq",
    ),
    "decisions": (
        "SELECT * FROM decisions WHERE brand_id = 'b' AND number = '+1' "
        "ORDER BY evaluated_at DESC, check_id DESC LIMIT 50",
        "ix_decisions_brand_number_evaluated",
    ),
    "call_attempts": (
        "SELECT * FROM call_attempts WHERE brand_id = 'b' AND number = '+1' ORDER BY at, id",
        "ix_call_attempts_brand_number_at",
    ),
    "dnc_log": (
        "SELECT * FROM dnc_log WHERE brand_id = 'b' AND number = '+1' ORDER BY id",
        "ix_dnc_log_brand_number",
    ),
}


@pytest.mark.parametrize("table", sorted(BY_NUMBER))
def test_a_numbers_rows_are_found_by_number(container, table):
    if container.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics")
    sql, index = BY_NUMBER[table]
    with container.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert f"USING INDEX {index} (brand_id=? AND number=?)" in plan, plan
