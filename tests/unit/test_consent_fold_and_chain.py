from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialgate.domain.consent import (
    GENESIS_HASH,
    ConsentDraft,
    effective,
    fold,
    fold_for_calls,
    seal,
    verify_chain,
)
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
    assert state[(Channel.CALL, "marketing")].status is ConsentStatus.GRANTED


def test_ties_on_capture_time_go_to_the_later_append():
    state = fold(chain(draft(), draft("revoked")))
    assert state[(Channel.CALL, "marketing")].status is ConsentStatus.REVOKED


def test_revocation_for_all_purposes_covers_every_purpose():
    state = fold_for_calls(
        chain(draft(purpose="marketing"), draft(purpose="sales"), draft("revoked", "all", T + timedelta(1)))
    )
    for purpose in ("marketing", "sales", "survey"):
        governing = effective(state, Channel.CALL, purpose)
        assert governing is not None and governing.status is ConsentStatus.REVOKED


def test_a_later_grant_for_one_purpose_outranks_an_earlier_revoke_all():
    state = fold_for_calls(chain(draft("revoked", "all"), draft(purpose="sales", at=T + timedelta(days=1))))
    assert effective(state, Channel.CALL, "sales").status is ConsentStatus.GRANTED
    assert effective(state, Channel.CALL, "marketing").status is ConsentStatus.REVOKED


def test_a_grant_counts_for_the_party_it_was_given_as():
    # İYS keeps an individual's (consumer) and a trader's (business) records apart, and so does the check
    state = fold_for_calls(chain(draft("revoked"), draft(at=T + timedelta(days=1), party=Party.BUSINESS)))
    assert effective(state, Channel.CALL, "marketing", Party.CONSUMER).status is ConsentStatus.REVOKED
    assert effective(state, Channel.CALL, "marketing", Party.BUSINESS).status is ConsentStatus.GRANTED


def test_the_other_partys_later_revocation_governs_until_a_later_grant():
    state = fold_for_calls(chain(draft(party=Party.BUSINESS), draft("revoked", at=T + timedelta(days=1))))
    business = state[(Channel.CALL, "marketing", Party.BUSINESS)]
    assert business.status is ConsentStatus.REVOKED and business.party is Party.CONSUMER
    state = fold_for_calls(chain(draft(party=Party.BUSINESS), draft("revoked", at=T + timedelta(days=1)),
                       draft(at=T + timedelta(days=2), party=Party.BUSINESS)))  # fmt: skip
    assert state[(Channel.CALL, "marketing", Party.BUSINESS)].status is ConsentStatus.GRANTED
    assert state[(Channel.CALL, "marketing", Party.CONSUMER)].status is ConsentStatus.REVOKED


def test_a_purpose_shows_a_later_event_for_all():
    state = fold_for_calls(chain(draft(), draft("revoked", "all", T + timedelta(days=1))))
    marketing = state[(Channel.CALL, "marketing", Party.CONSUMER)]
    assert marketing.status is ConsentStatus.REVOKED and marketing.purpose == "all"


def test_a_party_without_events_of_its_own_has_no_entry():
    # a consumer's history reads as one entry per purpose, as in the plain state
    state = fold_for_calls(chain(draft(), draft("revoked", at=T + timedelta(days=1))))
    assert list(state) == [(Channel.CALL, "marketing", Party.CONSUMER)]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["granted", "revoked"]), st.sampled_from([0, 300_000, 700_000, 86_400_000_000]),
                  st.sampled_from(Party), st.sampled_from(["marketing", "sales", "all"])),
        min_size=1, max_size=8,
    ),  # captured µs after T: some in one second
    st.sampled_from(Party),
)  # fmt: skip
def test_the_view_shows_what_a_check_reads(events, party):
    """consent show, GET /v1/consents and the number page name the event a check of a campaign calling
    `party` folds to (rules/inputs.one_consent), for every purpose. A party without events of its own
    has no entry; the check then finds no consent, or the other party's latest where it is a
    revocation (that party's entries show it)."""
    history = chain(*(draft(status, purpose, T + timedelta(microseconds=us), party=p)
                      for status, us, p, purpose in events))  # fmt: skip
    state = fold_for_calls(history)
    for asked in ("marketing", "sales", "survey"):
        rows = [((e.captured_at - EPOCH) // timedelta(microseconds=1), e.seq,
                 GRANTED if e.status is ConsentStatus.GRANTED else REVOKED, 0, PARTY_CODES[e.party], False, 0, False)
                for e in history if e.purpose in (asked, "all")]  # fmt: skip
        checked = one_consent(rows, PARTY_CODES[party])  # what the check reads: the purpose's and `all`'s
        found = (checked.status[0], checked.party[0], checked.captured[0])
        shown = effective(state, Channel.CALL, asked, party)
        if shown is not None:
            assert found == _codes(shown), asked
        elif any(e.party is party for e in history):
            assert found[0] == 0, asked
        else:
            assert found[0] == 0 or (found[0] == REVOKED and found[1] != PARTY_CODES[party]), asked


def _codes(event):
    status = GRANTED if event.status is ConsentStatus.GRANTED else REVOKED
    return status, PARTY_CODES[event.party], int(event.captured_at.timestamp())
