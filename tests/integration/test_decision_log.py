"""Every decision is kept: single checks one row each, batches one record each, readable back."""

from __future__ import annotations

import zlib

import orjson
from sqlalchemy import text

from dialgate.services import brands, campaigns
from dialgate.services.check import CheckRequest, check_call, evaluate_request

CAMPAIGN = (
    'id = "fr"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+33162000000"\ncountries = ["FR"]\n'
)


def test_decisions_are_kept_with_their_reasons(rt, container):
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    single = check_call(rt, CheckRequest("fr", ["+33639980012"], at="2026-11-23T12:30:00Z"))
    batch = evaluate_request(rt, CheckRequest("fr", ["+33639980012", "garbage"], at="2026-11-23T09:30:00Z"))
    rt.decision_log.flush()
    with container.engine.connect() as conn:
        row = conn.execute(text("SELECT verdict, reasons, detail, campaign_version FROM decisions WHERE check_id = :i"),
                           {"i": single.check_id}).one()  # fmt: skip
        kept = conn.execute(text("SELECT count, blocked, reason_counts, payload FROM decision_batches")).one()
    detail = row.detail if isinstance(row.detail, dict) else orjson.loads(row.detail)
    assert (row.verdict, row.campaign_version) == ("BLOCK", 1)
    assert set(row.reasons.split("|")) == set(single.codes)
    assert [r["law"] for r in detail["reasons"]] == [r.law for r in single.reasons]
    counts = kept.reason_counts if isinstance(kept.reason_counts, dict) else orjson.loads(kept.reason_counts)
    assert (kept.count, kept.blocked, counts["INVALID_NUMBER"]) == (2, 2, 1)
    payload = orjson.loads(zlib.decompress(kept.payload))
    assert payload["numbers"] == ["+33639980012", "garbage"]
    assert batch.check_ids[1].endswith("-00001")
