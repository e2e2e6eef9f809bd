from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dialgate.domain.consent import GENESIS_HASH, ConsentDraft, effective, fold, seal, verify_chain
from dialgate.domain.vocabulary import Basis, Channel, ConsentStatus, Party, Source

T = datetime(2026, 1, 1, tzinfo=UTC)


def draft(status="granted", purpose="marketing", at=T, number="+33639980012"):
    return ConsentDraft(
        brand="b",
        number=number,
        channel=Channel.CALL,
        purpose=purpose,
        status=ConsentStatus(status),
        basis=Basis.CONSENT,
        party=Party.CONSUMER,
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
