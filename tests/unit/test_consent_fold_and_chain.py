from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialgate.domain.consent import GENESIS_HASH, ConsentDraft, effective, fold, seal, verify_chain
from dialgate.domain.rules.frame import GRANTED, PARTY_CODES, REVOKED
from dialgate.domain.rules.inputs import one_consent
from dialgate.domain.vocabulary import Basis, Channel, ConsentStatus, Party, Source

T = datetime(2026, 1, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def draft(status="granted", purpose="marketing", at=T, number="+33639980012", party=Party.CONSUMER):
    return ConsentDraft(
        brand="b",
        number=number,
        channel=Channel.CALL,
        purpose=purpose,
        status=ConsentStatus(status),
        basis=Basis.CONSENT,
        party=party,
        source=Source.WEB,
        captured_at=at,
    )


def chain(*drafts):
    out, prev = [], GENESIS_HASH
    for i, d in enumerate(drafts, 1):
        e = seal(d, seq=i, prev_hash=prev, recorded_at=T + timedelta(days=400))
        out.append(e)
        prev = e.hash
    return out


def test_an_intact_chain_verifies():
    events = chain(draft(), draft("revoked"), draft(purpose="sales"))
    assert verify_chain("b", events, (3, events[-1].hash)) is None


def test_an_edited_event_is_named():
    events = chain(draft(), draft("revoked"), draft())
    events[1] = replace(events[1], status=ConsentStatus.GRANTED)
    broken = verify_chain("b", events, (3, events[-1].hash))
    assert broken is not None and broken.seq == 2 and "edited" in broken.problem


def test_a_deleted_event_is_named():
    events = chain(draft(), draft("revoked"), draft())
    broken = verify_chain("b", [events[0], events[2]], (3, events[-1].hash))
    assert broken is not None and broken.seq == 2 and "missing" in broken.problem


def test_a_deleted_last_event_is_caught_by_the_head():
    events = chain(draft(), draft("revoked"))
    broken = verify_chain("b", events[:1], (2, events[-1].hash))
    assert broken is not None and broken.seq == 2


def test_latest_capture_wins_even_when_recorded_earlier():
    late_grant = draft(at=T + timedelta(days=2))
    early_revoke = draft("revoked", at=T + timedelta(days=1))
    state = fold(chain(late_grant, early_revoke))
    assert state[(Channel.CALL, "marketing", Party.CONSUMER)].status is ConsentStatus.GRANTED


def test_ties_on_capture_time_go_to_the_later_append():
    state = fold(chain(draft(), draft("revoked")))
    assert state[(Channel.CALL, "marketing", Party.CONSUMER)].status is ConsentStatus.REVOKED


def test_revocation_for_all_purposes_covers_every_purpose():
    state = fold(
        chain(draft(purpose="marketing"), draft(purpose="sales"), draft("revoked", "all", T + timedelta(1)))
    )
    for purpose in ("marketing", "sales", "survey"):
        governing = effective(state, Channel.CALL, purpose)
        assert governing is not None and governing.status is ConsentStatus.REVOKED


def test_a_later_grant_for_one_purpose_outranks_an_earlier_revoke_all():
    state = fold(chain(draft("revoked", "all"), draft(purpose="sales", at=T + timedelta(days=1))))
    assert effective(state, Channel.CALL, "sales").status is ConsentStatus.GRANTED
    assert effective(state, Channel.CALL, "marketing").status is ConsentStatus.REVOKED


def test_a_grant_counts_for_the_party_it_was_given_as():
    # İYS keeps an individual's (consumer) and a trader's (business) records apart, and so does the check
    state = fold(chain(draft("revoked"), draft(at=T + timedelta(days=1), party=Party.BUSINESS)))
    assert effective(state, Channel.CALL, "marketing", Party.CONSUMER).status is ConsentStatus.REVOKED
    assert effective(state, Channel.CALL, "marketing", Party.BUSINESS).status is ConsentStatus.GRANTED


def test_the_other_partys_later_revocation_governs():
    state = fold(chain(draft(party=Party.BUSINESS), draft("revoked", at=T + timedelta(days=1))))
    business = state[(Channel.CALL, "marketing", Party.BUSINESS)]
    assert business.status is ConsentStatus.REVOKED and business.party is Party.CONSUMER
    # until that party's own later grant
    state = fold(chain(draft(party=Party.BUSINESS), draft("revoked", at=T + timedelta(days=1)),
                       draft(at=T + timedelta(days=2), party=Party.BUSINESS)))  # fmt: skip
    assert state[(Channel.CALL, "marketing", Party.BUSINESS)].status is ConsentStatus.GRANTED
    assert state[(Channel.CALL, "marketing", Party.CONSUMER)].status is ConsentStatus.REVOKED


def test_a_party_without_events_of_its_own_has_no_entry():
    # a consumer's history reads as it always did: one entry per channel and purpose
    state = fold(chain(draft(), draft("revoked", at=T + timedelta(days=1))))
    assert list(state) == [(Channel.CALL, "marketing", Party.CONSUMER)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["granted", "revoked"]), st.sampled_from([0, 300_000, 700_000, 86_400_000_000]),
                       st.sampled_from(Party)), min_size=1, max_size=8),  # captured µs after T: some in one second
    st.sampled_from(Party),
)  # fmt: skip
def test_the_view_shows_what_a_check_reads(events, party):
    """consent show, GET /v1/consents and the number page name the event a check of a campaign calling
    `party` folds to (rules/inputs.one_consent). A party without events of its own has no entry; the
    check then finds no consent, or the other party's latest where it is a revocation (that party's
    entry shows it)."""
    history = chain(*(draft(status, at=T + timedelta(microseconds=us), party=p) for status, us, p in events))
    state = fold(history)
    rows = [((e.captured_at - EPOCH) // timedelta(microseconds=1), e.seq, GRANTED if e.status is ConsentStatus.GRANTED else REVOKED,
             0, PARTY_CODES[e.party], False, 0, False) for e in history]  # fmt: skip
    checked = one_consent(rows, PARTY_CODES[party])
    found = (checked.status[0], checked.party[0], checked.captured[0])
    shown = state.get((Channel.CALL, "marketing", party))
    if shown is None:
        assert not any(e.party is party for e in history)
        other = state.get((Channel.CALL, "marketing", _other(party)))
        assert found[0] == 0 or (
            other is not None and other.status is ConsentStatus.REVOKED and found == _codes(other)
        )
    else:
        assert found == _codes(shown)


def _other(party):
    return Party.BUSINESS if party is Party.CONSUMER else Party.CONSUMER


def _codes(event):
    status = GRANTED if event.status is ConsentStatus.GRANTED else REVOKED
    return status, PARTY_CODES[event.party], int(event.captured_at.timestamp())
