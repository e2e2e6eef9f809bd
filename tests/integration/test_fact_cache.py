"""A batch reads its facts from the brand's copy held in the process; whatever another process commits
before the read is in the answer, exactly as the store itself would give it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from dialgate.adapters.db.decision_store import SqlDecisionStore
from dialgate.bootstrap import build
from dialgate.domain.campaign import Campaign
from dialgate.domain.vocabulary import Channel, Purpose, Source
from dialgate.services import brands, campaigns, consent, dnc
from dialgate.services.attempts import AttemptInput, record_attempt
from dialgate.services.check import CheckRequest, check_call, evaluate_request

CAMPAIGN = (
    'id = "fr"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+33162000000"\ncountries = ["FR"]\n'
)
NUMBERS = ["+33639980010", "+33639980011", "+33639980012", "+33639980013", "+447700900123"]
UNTIL = datetime(2026, 11, 23, 9, 30, 0, 500000, tzinfo=UTC)
SINCE = datetime(2026, 11, 20, 10, 0, 0, 250000, tzinfo=UTC)


@pytest.fixture
def other(settings, clock):
    """Another process: its own engine and connections, its own cache."""
    built = build(settings, clock=clock)
    yield built.runtime
    built.close()


@pytest.fixture
def acme(rt):
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    campaigns.apply_campaign(rt, CAMPAIGN.replace('"fr"', '"spring"'), file="spring.toml")


def _grant(rt, number: str, **fields: str) -> None:
    base = {
        "number": number,
        "brand": "acme",
        "status": "granted",
        "purpose": "marketing",
        "captured_at": "2026-01-05T10:00:00Z",
    }
    consent.record_consent(rt, consent.draft_from_fields(rt, {**base, **fields}, default_source=Source.WEB))


def _campaign(store) -> Campaign:
    return Campaign("fr", "acme", Purpose.MARKETING)


def _facts(store, numbers=NUMBERS):
    keys = np.array([int(n[1:]) if n.startswith("+") else 0 for n in numbers], np.uint64)
    valid = keys != 0
    found, listed, attempts, last = store.facts_for(_campaign(store), Channel.CALL, keys, valid, SINCE, UNTIL)
    consents = sorted(zip(*(getattr(found, f).tolist() for f in ("row", "seq", "captured", "status", "basis",
                                                               "party", "registry", "expires", "evidence")), strict=True))  # fmt: skip
    tried = sorted(zip(*(getattr(attempts, f).tolist() for f in ("row", "at", "same_campaign", "same_purpose",
                                                              "refused")), strict=True))  # fmt: skip
    return consents, listed.tolist(), tried, last.tolist()


def _one(store, number):
    """The single check's read: the governing consent, on the list, the attempts and the last use."""
    consent, listed, attempts = store.one(_campaign(store), Channel.CALL, number, SINCE, UNTIL)
    governing = tuple(getattr(consent, f)[0].item() for f in consent.__dataclass_fields__)
    tried = [
        getattr(attempts, f).tolist() for f in ("offsets", "at", "same_campaign", "same_purpose", "refused")
    ]
    return governing, listed, tried, int(attempts.last_use[0])


def _singles(store):
    return [_one(store, n) for n in NUMBERS]


def test_the_cached_facts_follow_every_change_made_elsewhere(acme, rt, other, container, clock):
    cached = other.decisions
    uncached = SqlDecisionStore(container.engine, cache_limit=0)  # reads the store every time
    try:
        changes = [
            lambda: _grant(rt, NUMBERS[0]),
            lambda: _grant(rt, NUMBERS[1], purpose="all", evidence_uri="https://forms.example/1"),
            lambda: _grant(rt, NUMBERS[2], purpose="survey"),  # another purpose: not this campaign's
            lambda: _grant(rt, NUMBERS[2], channel="sms"),  # another channel
            lambda: _grant(rt, NUMBERS[0], status="revoked", captured_at="2026-02-05T10:00:00Z"),
            lambda: dnc.add_dnc(rt, "acme", NUMBERS[3]),
            lambda: dnc.add_dnc(rt, "acme", NUMBERS[4]),
            lambda: dnc.remove_dnc(rt, "acme", NUMBERS[3]),
            # the window's edges are exact to the microsecond, as in the store
            lambda: record_attempt(rt, AttemptInput(NUMBERS[1], "fr", "2026-11-20T10:00:00.249999Z", "no-answer")),
            lambda: record_attempt(rt, AttemptInput(NUMBERS[1], "fr", "2026-11-20T10:00:00.250000Z", "no-answer")),
            lambda: record_attempt(rt, AttemptInput(NUMBERS[1], "spring", "2026-11-23T09:30:00.500000Z", "busy")),
            lambda: record_attempt(rt, AttemptInput(NUMBERS[1], "fr", "2026-11-23T09:30:00.500001Z", "busy")),
            lambda: record_attempt(rt, AttemptInput(NUMBERS[2], "spring", "2026-11-21T10:00:00Z", "refused")),
            lambda: dnc.add_dnc(rt, "acme", NUMBERS[3]),
            # what counts at UNTIL: not a grant captured after it (and recorded later still), nor another
            # party's grant; a revocation by either party, one captured after UNTIL by a clock running
            # ahead but recorded before it
            lambda: _grant(rt, NUMBERS[4], captured_at="2026-11-23T09:30:00.500001Z"),
            lambda: _grant(rt, NUMBERS[4], party="business"),
            lambda: _grant(rt, NUMBERS[1], status="revoked", party="business", captured_at="2026-03-01T10:00:00Z"),
            lambda: setattr(clock, "at", datetime(2026, 11, 23, 9, 29, tzinfo=UTC)),
            lambda: _grant(rt, NUMBERS[4], status="revoked", captured_at="2026-11-23T09:32:00Z"),
            # four minutes after UNTIL: a revocation already counts (the grace of a clock behind), a grant not
            lambda: setattr(clock, "at", datetime(2026, 11, 23, 9, 34, tzinfo=UTC)),
            lambda: _grant(rt, NUMBERS[3], status="revoked", captured_at="2026-11-23T09:34:00Z"),
            lambda: _grant(rt, NUMBERS[3], captured_at="2026-11-23T09:34:00Z"),
        ]  # fmt: skip
        assert _facts(cached) == _facts(uncached)  # the first read loads the brand
        assert _singles(cached) == _singles(uncached)
        for i, change in enumerate(changes):
            change()
            # single reads first, on alternate changes: they must see the change without a batch's look
            if i % 2:
                assert _singles(cached) == _singles(uncached), i
            assert _facts(cached) == _facts(uncached), i
            assert _singles(cached) == _singles(uncached), i
        consents, listed, tried, last = _facts(cached)
        # the grant and the revocation; the grant for all purposes and the business's revocation; the
        # refusal's revocation (the survey and SMS consents are another campaign's business); the
        # revocation recorded within the grace after UNTIL; of the last number the business's grant (for
        # the fold to set aside) and the skewed revocation (seq 7, captured after UNTIL, does not count)
        assert [c[:2] for c in consents] == [(0, 1), (0, 5), (1, 2), (1, 9), (2, 6), (3, 11), (4, 8), (4, 10)]
        assert listed == [False, False, False, True, True]
        # the edges kept, what lies just outside them not
        assert [t[:2] for t in tried] == [(1, 1795168800), (1, 1795426200), (2, 1795255200)]
        assert last[1:3] == [1795426200, 1795255200]
    finally:
        uncached.close()


def test_repeated_numbers_and_invalid_rows_read_as_in_the_store(acme, rt, other, container):
    _grant(rt, NUMBERS[0])
    record_attempt(rt, AttemptInput(NUMBERS[0], "fr", "2026-11-21T10:00:00Z", "no-answer"))
    uncached = SqlDecisionStore(container.engine, cache_limit=0)
    try:
        numbers = [NUMBERS[0], "garbage", NUMBERS[0], NUMBERS[4], NUMBERS[0]]
        assert _facts(other.decisions, numbers) == _facts(uncached, numbers)
    finally:
        uncached.close()


def test_a_brand_above_the_limit_is_read_from_the_store(acme, rt, container):
    _grant(rt, NUMBERS[0])
    _grant(rt, NUMBERS[1])
    small = SqlDecisionStore(container.engine, cache_limit=1)
    try:
        consents, *_ = _facts(small)
        assert [c[0] for c in consents] == [0, 1]
        _grant(rt, NUMBERS[2])
        consents, *_ = _facts(small)
        assert [c[0] for c in consents] == [0, 1, 2]
    finally:
        small.close()


def test_a_batch_blocks_a_number_revoked_in_another_process_a_moment_before(acme, rt, other):
    _grant(rt, NUMBERS[0])
    _grant(rt, NUMBERS[1])
    batch = CheckRequest("fr", NUMBERS[:2], at="2026-11-23T09:30:00Z")
    assert evaluate_request(other, batch).evaluation.block.tolist() == [False, False]
    _grant(rt, NUMBERS[0], status="revoked", captured_at="2026-02-05T10:00:00Z")
    assert evaluate_request(other, batch).evaluation.block.tolist() == [True, False]
    dnc.add_dnc(rt, "acme", NUMBERS[1])
    assert evaluate_request(other, batch).evaluation.block.tolist() == [True, True]
    dnc.remove_dnc(rt, "acme", NUMBERS[1])
    assert evaluate_request(other, batch).evaluation.block.tolist() == [True, False]


def test_a_single_check_blocks_a_number_revoked_a_moment_before(acme, rt, other):
    """Single checks read the held facts too; a commit by any other connection, in another process or
    in this one, is in the next answer."""
    _grant(rt, NUMBERS[0])
    single = CheckRequest("fr", NUMBERS[:1], at="2026-11-23T09:30:00Z")
    for month, checker in ((2, other), (4, rt)):
        assert check_call(checker, single).verdict == "ALLOW"
        assert check_call(checker, single).verdict == "ALLOW"  # the second answered without a look
        _grant(rt, NUMBERS[0], status="revoked", captured_at=f"2026-0{month}-05T10:00:00Z")
        assert "CONSENT_REVOKED" in check_call(checker, single).codes
        _grant(rt, NUMBERS[0], captured_at=f"2026-0{month + 1}-05T10:00:00Z")
        assert check_call(checker, single).verdict == "ALLOW"
        dnc.add_dnc(rt, "acme", NUMBERS[0])
        assert check_call(checker, single).codes == ("INTERNAL_DNC",)
        dnc.remove_dnc(rt, "acme", NUMBERS[0])
