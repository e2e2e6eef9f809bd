"""Facts as integer columns in SQL: number keys, epoch seconds (microseconds where order within a second
matters) and codes, so that a whole result turns
into one numpy table in a single call instead of a Python conversion per value."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt

from dialgate.domain.rules.frame import NEVER

KEY = "CAST(SUBSTR(number, 2) AS BIGINT)"  # numbers.e164_key, in SQL
# A consent event as integers: captured (microseconds: two events of one second keep their order), seq,
# status, basis, party, registry, expires, evidence.
# The codes are those of inputs.ConsentRows; an unknown value gives NULL, which fails the conversion loudly.
# Comparisons are cast: PostgreSQL's booleans would not unite with the integers of other parts of a UNION.
CONSENT = (
    "EPOCH_US(captured_at), seq, CASE status WHEN 'granted' THEN 1 WHEN 'revoked' THEN 2 END, "
    "CASE basis WHEN 'consent' THEN 0 WHEN 'contract' THEN 1 WHEN 'inquiry' THEN 2 END, "
    "CASE party WHEN 'consumer' THEN 0 WHEN 'business' THEN 1 END, CAST(source = 'registry' AS INTEGER), "
    f"COALESCE(EPOCH(expires_at), {NEVER}), "
    "CAST(evidence_sha256 IS NOT NULL OR evidence_uri IS NOT NULL AS INTEGER)"
)

# The consent events that count for a campaign at an instant (brand, channel, purpose, at, at, at + the
# revocation grace), before inputs.consent_columns folds them for the campaign's party:
# - its purpose's and those for `all`, of either party;
# - known at the instant: captured by then, or recorded by then (a capture dated ahead by a skewed clock
#   counts from its recording). A check at a past instant does not see what was given or withdrawn
#   after it; but a revocation counts as soon as it was recorded to within the grace (the clock skew
#   allowed), so that a dialer whose clock runs a little behind, sending its own `at`, never calls a
#   number revoked a moment ago.
CONSENT_WHERE = (
    "brand_id = {p} AND channel = {p} AND purpose IN ({p}, 'all') "
    "AND (captured_at <= {p} OR recorded_at <= {p} OR (status = 'revoked' AND recorded_at <= {p}))"
)

_EPOCH = re.compile(r"EPOCH(_US)?\((\w+|MAX\(\w+\))\)")
# SQLite rounds a fraction to the millisecond before '%s' (…:00.9996 would read as the next second), so
# its text (always "YYYY-MM-DD HH:MM:SS.ffffff") is cut to whole seconds first
_SQLITE_S = "CAST(strftime('%s', substr({0}, 1, 19)) AS INTEGER)"
_FORMS = {
    (True, False): _SQLITE_S,
    (True, True): f"({_SQLITE_S} * 1000000 + CAST(substr({{0}}, 21, 6) AS INTEGER))",
    (False, False): "CAST(FLOOR(EXTRACT(EPOCH FROM {0})) AS BIGINT)",
    (False, True): "CAST(FLOOR(EXTRACT(EPOCH FROM {0}) * 1000000) AS BIGINT)",
}


def dialect_sql(template: str, sqlite: bool) -> str:
    """EPOCH(x) as whole seconds since 1970 (floored, as int(datetime.timestamp()) does after 1970),
    EPOCH_US(x) as microseconds."""
    return _EPOCH.sub(lambda m: _FORMS[sqlite, m.group(1) is not None].format(m.group(2)), template)


def int_table(rows: list[tuple[Any, ...]], width: int) -> npt.NDArray[np.int64]:
    return np.array(rows, dtype=np.int64).reshape(-1, width)
