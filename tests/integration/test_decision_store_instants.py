"""The decision store reads instants as whole seconds exactly as int(datetime.timestamp()) does, on both
stores: a fraction just under the next second must not round up (SQLite's strftime would)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from dialgate.domain.campaign import Campaign
from dialgate.domain.vocabulary import Channel, Purpose, Source
from dialgate.services import brands, campaigns, consent
from dialgate.services.attempts import AttemptInput, record_attempt

CAPTURED = datetime(2026, 1, 5, 10, 0, 0, 999600, tzinfo=UTC)
AT = datetime(2026, 11, 20, 10, 0, 0, 999900, tzinfo=UTC)


def test_fractions_of_a_second_are_floored_like_python(rt):
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(
        rt, 'id = "c"\nbrand = "acme"\npurpose = "marketing"\ncountries = ["GB"]\n', file="c.toml"
    )
    fields = {"number": "+447700900123", "brand": "acme", "status": "granted", "purpose": "marketing",
              "captured_at": CAPTURED.isoformat(), "expires_at": "2027-01-05T10:00:00.999999Z"}  # fmt: skip
    consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    record_attempt(rt, AttemptInput("+447700900123", "c", AT.isoformat(), "no-answer"))
    until = AT + timedelta(seconds=1)

    campaign, _ = rt.reference.campaign("c")
    found, _, attempts = rt.decisions.one(
        campaign, Channel.CALL, "+447700900123", AT - timedelta(days=1), until
    )
    assert int(found.captured[0]) == int(CAPTURED.timestamp())
    assert int(found.expires[0]) == int(datetime(2027, 1, 5, 10, 0, 0, tzinfo=UTC).timestamp())
    assert int(attempts.at[0]) == int(attempts.last_use[0]) == int(AT.timestamp())

    keys, valid = np.array([447700900123], np.uint64), np.ones(1, bool)
    found, _, attempts, last = rt.decisions.facts_for(
        campaign, Channel.CALL, keys, valid, AT - timedelta(days=1), until
    )
    # the events as read keep their microseconds (two in one second keep their order); the fold floors them
    assert found.captured.tolist() == [
        (CAPTURED - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    ]
    assert attempts.at.tolist() == last.tolist() == [int(AT.timestamp())]


def test_closing_the_container_closes_the_decision_stores_connections(settings, clock):
    import threading

    from dialgate.bootstrap import build

    container = build(settings, clock=clock)
    store = container.runtime.decisions
    since, until = AT - timedelta(days=1), AT
    campaign = Campaign("c", "acme", Purpose.MARKETING)
    reader = threading.Thread(target=store.one, args=(campaign, "call", "+447700900123", since, until))
    reader.start()
    reader.join()
    store.one(campaign, "call", "+447700900123", since, until)
    opened = list(store._opened)  # one per thread that read: they live outside the pool
    assert len(opened) == 2
    container.close()
    assert store._opened == []
    main = opened[1]  # closed on the thread that opened it, whatever the driver
    try:
        main.execute("SELECT 1")
    except Exception as exc:  # sqlite3.ProgrammingError / psycopg.OperationalError: closed
        assert "closed" in str(exc).lower()
    else:
        raise AssertionError("the connection is still open")
