"""Every decision is kept: single checks one row each, batches one record each, readable back."""

from __future__ import annotations

import zlib
from datetime import date

import orjson
from sqlalchemy import text

from dialgate.services import brands, campaigns, registry
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


def test_a_single_check_keeps_the_record_a_row_of_coalesced_checks_keeps(rt, tmp_path):
    """A single check writes its audit record by a path of its own (services/check.py _log_one): the
    same fields and values as a row of single checks answered together (api/routes_checks.py), the
    register snapshots read included: a French row does not name the British register's."""
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN.replace('["FR"]', '["FR", "GB"]'), file="fr.toml")
    tps = tmp_path / "tps.txt"
    tps.write_text("+447700900999\n")
    registry.import_snapshot(rt, registry.SnapshotRequest("UK-TPS", tps, "lines", as_of=date(2026, 11, 20)))
    kept: list[dict[str, object]] = []

    class Capture:
        def record(self, records):  # type: ignore[no-untyped-def]
            kept.extend(records)

    real, rt.decision_log = rt.decision_log, Capture()
    # blocked, invalid, uncovered by the campaign, and one that reads UK-TPS
    numbers = ["+33639980012", "garbage", "+12025550123", "+447700900123"]
    for number in numbers:
        check_call(rt, CheckRequest("fr", [number], at="2026-11-23T21:30:00Z", caller_id="+33162000000"))
    evaluate_request(rt, CheckRequest("fr", numbers, at="2026-11-23T21:30:00Z", caller_id="+33162000000"),
                     separate=True)  # fmt: skip
    rt.decision_log = real
    assert len(kept) == 8
    assert [record["snapshots"] is not None for record in kept[:4]] == [False, False, False, True]
    for one, many in zip(kept[:4], kept[4:], strict=True):
        assert one.keys() == many.keys()
        assert {k: v for k, v in one.items() if k not in ("check_id", "evaluated_at")} == {
            k: v for k, v in many.items() if k not in ("check_id", "evaluated_at")
        }
    assert all(record["reasons"] for record in kept if record["number"] != "+447700900123")


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


def test_rows_written_in_one_statement_are_the_rows_an_executemany_writes(container):
    """SQLite takes a drain's decisions as one JSON array; every value must arrive as a per-row insert
    stores it (text with quotes, backslashes, newlines and other scripts; nulls; integers; instants with
    and without a fraction, in UTC or another offset)."""
    from datetime import UTC, datetime, timedelta, timezone

    from dialgate.adapters.db.decision_log import BackgroundDecisionLog, _decisions
    from dialgate.adapters.db.engine import insert_sql

    odd = 'Il a dit "non" \\ à 13:00\n— τέλος 🚫 \u2028'
    records = [
        {"check_id": f"J{i}", "brand_id": "acme", "campaign_id": odd[: 20 + i], "campaign_version": i or None,
         "number": f"+3363998001{i}", "at": datetime(2026, 11, 23, 12, 30, 0, 123456 * i, tzinfo=UTC),
         "evaluated_at": datetime(2026, 11, 23, 12 + i, 30, 59, 999_600 * (i % 2) + 7 * i, tzinfo=timezone(timedelta(hours=i))), "verdict": "BLOCK" if i else "ALLOW",
         "reasons": "|".join(["NO_CONSENT"] * i), "next_allowed_at": None if i % 2 else datetime(2026, 11, 24, tzinfo=UTC),
         "caller_id": None if i == 1 else "+33162000000", "vendor_id": None, "pack_version": "FR@2026.1",
         "snapshots": None, "via": "api", "detail": {"reasons": [{"message": odd, "n": i}], "none": None}}
        for i in range(3)
    ]  # fmt: skip
    log = BackgroundDecisionLog(container.engine, interval_s=3600)
    log.record(records)
    log.flush()
    builder = log._rows[_decisions.name]
    names = [c.name for c in _decisions.columns]
    sqlite = container.engine.dialect.name == "sqlite"
    with container.engine.begin() as conn:
        conn.exec_driver_sql(insert_sql("decisions", names, sqlite=sqlite),
                             [builder({**r, "check_id": "E" + r["check_id"][1:]}) for r in records])  # fmt: skip
    with container.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM decisions WHERE check_id LIKE 'J%' OR check_id LIKE 'E%'")
        ).all()
    one = {r.check_id[1:]: r[1:] for r in rows if r.check_id[0] == "J"}
    many = {r.check_id[1:]: r[1:] for r in rows if r.check_id[0] == "E"}
    assert len(one) == 3 and one == many
    if sqlite:  # the stored types too, not only values that compare equal
        with container.engine.connect() as conn:
            types = conn.execute(text(
                "SELECT substr(check_id, 2), " + ", ".join(f"typeof({n})" for n in names[1:])
                + " FROM decisions WHERE check_id LIKE 'J%' OR check_id LIKE 'E%'")).all()  # fmt: skip
        by_kind: dict[str, set[tuple[str, ...]]] = {}
        for t in types:
            by_kind.setdefault(t[0], set()).add(tuple(t[1:]))
        assert all(len(kinds) == 1 for kinds in by_kind.values()), by_kind


def test_a_naive_instant_is_refused_as_the_store_refuses_it(container):
    from datetime import datetime

    import pytest

    from dialgate.adapters.db.decision_log import BackgroundDecisionLog

    log = BackgroundDecisionLog(container.engine, interval_s=3600)
    record = {"check_id": "N1", "brand_id": "acme", "campaign_id": "fr", "number": "+33639980012",
              "at": datetime(2026, 11, 23, 12, 30), "evaluated_at": datetime(2026, 11, 23, 12, 30),
              "verdict": "ALLOW", "reasons": "", "via": "api", "detail": {}}  # fmt: skip
    with pytest.raises(ValueError, match="naive"):
        log.record([record])
    log.close()


def test_a_failed_write_is_reported_and_the_next_one_goes_through(container, caplog):
    """The writer keeps its own connection: a failed transaction is rolled back, said loudly, and the
    next drain writes as before (here the second row repeats the first one's check id)."""
    from datetime import UTC, datetime

    from dialgate.adapters.db.decision_log import BackgroundDecisionLog

    def record(check_id: str) -> dict[str, object]:
        return {"check_id": check_id, "brand_id": "acme", "campaign_id": "fr", "number": "+33639980012",
                "at": datetime(2026, 11, 23, 12, 30, tzinfo=UTC), "evaluated_at": datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
                "verdict": "ALLOW", "reasons": "", "via": "api", "detail": {"reasons": []}}  # fmt: skip

    log = BackgroundDecisionLog(container.engine, interval_s=3600)
    for check_id in ("W1", "W1", "W2"):
        log.record([record(check_id)])
        log.flush()
    log.close()
    with container.engine.connect() as conn:
        kept = conn.execute(text("SELECT check_id FROM decisions WHERE check_id LIKE 'W%' ORDER BY 1")).all()
    assert [r.check_id for r in kept] == ["W1", "W2"]
    assert [r.message for r in caplog.records if r.name == "dialgate.decision_log"] == [
        "decision_log.write_failed"
    ]


def test_the_writer_takes_what_was_queued_when_it_woke_and_flush_takes_everything(container):
    """Rows arriving while the writer writes wait for its next turn (one transaction per interval under
    load, not one per handful of rows); flush() still writes every row."""
    from datetime import UTC, datetime

    from dialgate.adapters.db.decision_log import BackgroundDecisionLog

    at = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    log = BackgroundDecisionLog(container.engine, interval_s=3600, max_batch=2)

    def record(i: int) -> None:
        log.record([{"check_id": f"Q{i}", "brand_id": "acme", "campaign_id": "fr", "number": "+33639980012",
                     "at": at, "evaluated_at": at, "verdict": "ALLOW", "reasons": "", "via": "api", "detail": {}}])  # fmt: skip

    writes: list[int] = []
    write = log._write

    def counting(rows, batches):
        writes.append(len(rows))
        if len(writes) <= 3:
            record(100 + len(writes))  # a check answered meanwhile
        write(rows, batches)

    log._write = counting
    for i in range(5):
        record(i)
    log._drain(everything=False)  # what the writer thread does when it wakes
    assert writes == [2, 2, 1] and len(log._queue) == 3
    log.flush()
    log.close()
    assert writes[3:] == [2, 1]  # what arrived meanwhile
    with container.engine.connect() as conn:
        kept = conn.execute(text("SELECT COUNT(*) FROM decisions WHERE check_id LIKE 'Q%'")).scalar()
    assert kept == 8


def test_closing_the_log_stops_its_writer_and_later_decisions_are_still_kept(rt, container):
    from dialgate.adapters.db.decision_log import BackgroundDecisionLog

    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    rt.decision_log = log = BackgroundDecisionLog(container.engine, interval_s=3600)
    before = check_call(rt, CheckRequest("fr", ["+33639980012"], at="2026-11-23T12:30:00Z"))
    writer = log._thread
    assert writer is not None and writer.is_alive()
    log.close()
    assert not writer.is_alive()  # a closed store leaves no thread behind
    after = check_call(rt, CheckRequest("fr", ["+33639980013"], at="2026-11-23T12:30:00Z"))
    assert log._thread is writer  # no new writer: written at once instead
    with container.engine.connect() as conn:
        kept = conn.execute(text("SELECT check_id FROM decisions")).scalars().all()
    assert {before.check_id, after.check_id} <= set(kept)
