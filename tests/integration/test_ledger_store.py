"""The consent ledger on real SQLite and PostgreSQL stores."""

from __future__ import annotations

import multiprocessing as mp
from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from dialgate.bootstrap import build
from dialgate.config import Settings
from dialgate.domain.vocabulary import Source
from dialgate.errors import InputError, NotFoundError
from dialgate.services import brands, consent
from tests.conftest import tamper

N = "+33639980012"


def record(rt, number=N, **fields):
    values = {"number": number, "brand": "enercom", "status": "granted", "purpose": "marketing", **fields}
    return consent.record_consent(rt, consent.draft_from_fields(rt, values, default_source=Source.AGENT))


@pytest.fixture
def ledger(rt, clock):
    brands.add_brand(rt, "enercom")
    events = []
    for status in ("granted", "revoked", "granted", "revoked"):
        events.append(record(rt, status=status))
        clock.advance(minutes=1)
    return events


def broken(rt):
    return next(r.broken for r in consent.verify_ledger(rt) if r.brand == "enercom")


def test_an_untouched_ledger_verifies(rt, ledger):
    assert broken(rt) is None


def test_an_edited_event_is_caught_and_named(rt, container, ledger):
    tamper(container, "UPDATE consent_events SET status = 'granted' WHERE seq = 2")
    assert broken(rt).seq == 2


def test_a_deleted_event_is_caught_and_named(rt, container, ledger):
    tamper(container, "DELETE FROM consent_events WHERE seq = 3")
    found = broken(rt)
    assert found.seq == 3 and "missing" in found.problem


def test_two_swapped_events_are_caught(rt, container, ledger):
    tamper(container, "UPDATE consent_events SET seq = 100 WHERE seq = 2")
    tamper(container, "UPDATE consent_events SET seq = 2 WHERE seq = 3")
    tamper(container, "UPDATE consent_events SET seq = 3 WHERE seq = 100")
    assert broken(rt).seq == 2


def test_a_deleted_last_event_is_caught_by_the_chain_head(rt, container, ledger):
    tamper(container, "DELETE FROM consent_events WHERE seq = 4")
    assert broken(rt).seq == 4


def test_the_store_itself_refuses_updates_and_deletes(container, ledger):
    for sql in ("UPDATE consent_events SET note = 'x'", "DELETE FROM consent_events"):
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def test_show_folds_the_history(rt, ledger):
    view = consent.show_consent(rt, "enercom", N)
    assert len(view.history) == 4
    (state,) = view.state.values()
    assert state.status == "revoked" and state.seq == 4


def test_show_says_what_a_check_reads_beside_the_state(rt, clock):
    brands.add_brand(rt, "enercom")
    record(rt, party="business", captured_at=(clock.now() - timedelta(days=2)).isoformat())
    record(rt, status="revoked", purpose="all", captured_at=(clock.now() - timedelta(days=1)).isoformat())
    view = consent.show_consent(rt, "enercom", N).to_dict()
    # the state as ever: the latest event per channel and purpose, with the event's own party
    assert [(s["purpose"], s["status"], s["party"]) for s in view["state"]] == [
        ("all", "revoked", "consumer"),
        ("marketing", "granted", "business"),
    ]
    # what a check reads: the consumer's revocation for all stops the business campaign's marketing calls
    calls = {
        (c["purpose"], c["party"]): (c["status"], c["event_purpose"], c["event_party"]) for c in view["calls"]
    }
    assert calls[("marketing", "business")] == ("revoked", "all", "consumer")
    assert calls[("all", "consumer")] == ("revoked", "all", "consumer")


def test_a_consent_dated_in_the_future_is_refused(rt, clock, ledger):
    with pytest.raises(InputError, match="future") as info:
        record(rt, captured_at=(clock.now() + timedelta(hours=1)).isoformat())
    assert info.value.location.field == "captured_at"
    assert len(consent.show_consent(rt, "enercom", N).history) == 4


def test_a_missing_evidence_file_is_refused_and_nothing_written(rt, tmp_path, ledger):
    with pytest.raises(InputError, match="does not exist"):
        record(rt, evidence=str(tmp_path / "nope.wav"))
    assert len(consent.show_consent(rt, "enercom", N).history) == 4


def test_evidence_is_stored_by_its_hash(rt, tmp_path, ledger):
    recording = tmp_path / "call.wav"
    recording.write_bytes(b"RIFF fictional recording")
    event = record(rt, evidence=str(recording))
    stored = rt.evidence.path_of(event.evidence_sha256)
    assert stored is not None and stored.read_bytes() == recording.read_bytes()


def test_an_unknown_brand_is_refused(rt):
    with pytest.raises(NotFoundError, match="brand add"):
        record(rt, brand="nobody")


def _append_many(url: str, data_dir: str, count: int, tag: str) -> None:
    container = build(Settings(database_url=url, data_dir=data_dir))
    for i in range(count):
        record(container.runtime, number=f"+3363998{i % 100:04d}", note=f"{tag}-{i}")
    container.close()


def test_concurrent_appenders_never_fork_a_chain(settings, rt, ledger):
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=_append_many, args=(settings.resolved_database_url, str(settings.data_dir), 40, t))
        for t in ("a", "b")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    (result,) = [r for r in consent.verify_ledger(rt) if r.brand == "enercom"]
    assert result.broken is None and result.events == 4 + 80
