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


def test_a_server_shutting_down_writes_the_decisions_it_still_holds(rt, container):
    import httpx

    from dialgate.adapters.db.decision_log import BackgroundDecisionLog
    from dialgate.api.app import create_app
    from dialgate.services.apikeys import create_api_key
    from tests.support.apiserver import LoopbackServer

    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    key = create_api_key(rt, brand="acme", scopes=["check"])
    rt.decision_log = BackgroundDecisionLog(container.engine, interval_s=3600)  # only a flush writes
    with LoopbackServer(create_app(container)) as server:
        answer = httpx.post(server.url + "/v1/checks", headers={"Authorization": f"Bearer {key}"},
                            json={"number": "+33639980012", "campaign": "fr", "at": "2026-11-23T12:30:00Z"})  # fmt: skip
        assert answer.status_code == 200
        check_id = answer.json()["check_id"]
    with container.engine.connect() as conn:
        kept = conn.execute(text("SELECT verdict FROM decisions WHERE check_id = :i"), {"i": check_id}).all()
    assert [r.verdict for r in kept] == ["BLOCK"]
