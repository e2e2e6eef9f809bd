"""Consumer requests on real SQLite and PostgreSQL: effects in the ledger, deadlines, exports, the feed."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from dialgate.domain.consent import effective, is_granted
from dialgate.domain.vocabulary import Basis, Channel, ConsentStatus, Source
from dialgate.errors import ConflictError, InputError, NotFoundError, StoreError
from dialgate.services import (
    attempts,
    brands,
    campaigns,
    consent,
    dnc,
    feed,
    request_exports,
    requests,
    vendors,
)
from dialgate.services.requests import RequestInput

BR_NUMBER = "+5511900000123"
ES_NUMBER = "+34710000123"
CAMPAIGN = """
id = "br-spring"
brand = "enercom"
purpose = "marketing"
caller_id = "+551130000000"
countries = ["BR"]
"""


@pytest.fixture
def brand(rt):
    brands.add_brand(rt, "enercom", "Enercom SA")
    brands.add_brand(rt, "rival")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    return "enercom"


def open_(rt, kind="opt-out", number=BR_NUMBER, via="web", **fields):
    return requests.open_request(
        rt, RequestInput(brand="enercom", kind=kind, number=number, via=via, **fields)
    )


def grant(rt, purpose="marketing", basis="consent", number=BR_NUMBER):
    fields = {"number": number, "brand": "enercom", "status": "granted", "purpose": purpose, "basis": basis}
    return consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))


def governing(rt, purpose, number=BR_NUMBER):
    return effective(consent.show_consent(rt, "enercom", number).calls, Channel.CALL, purpose)


# --- opt-out and cancellation take effect in the ledger at once ------------------------------------------


def test_an_opt_out_revokes_every_purpose_at_once_and_closes(rt, brand, clock):
    grant(rt, "marketing")
    grant(rt, "service")
    clock.advance(minutes=1)
    r = open_(rt, via="phone")
    assert r.status == "closed" and r.closed_at == clock.now() and r.closed_in_time
    for purpose in ("marketing", "service", "survey"):
        assert not is_granted(governing(rt, purpose))
    event = governing(rt, "marketing")
    assert (event.purpose, event.status, event.source) == ("all", ConsentStatus.REVOKED, Source.AGENT)
    assert event.seq == r.ledger_seq and r.protocol in (event.note or "")


def test_a_cancellation_ends_the_contract_basis_and_blocks_until_consent_is_given_again(rt, brand, clock):
    grant(rt, "marketing", basis="contract")
    grant(rt, "sales", basis="consent")  # an earlier express consent: the latest event still wins
    clock.advance(minutes=1)
    r = open_(rt, kind="cancellation", via="email")
    assert r.status == "open" and r.ledger_seq is not None
    for purpose in ("marketing", "sales"):
        event = governing(rt, purpose)
        assert (event.basis, event.status, event.purpose) == (Basis.CONTRACT, ConsentStatus.REVOKED, "all")
    clock.advance(minutes=1)
    grant(rt, "sales")
    assert is_granted(governing(rt, "sales"))


def test_an_opt_out_needs_a_number_that_can_be_blocked(rt, brand):
    with pytest.raises(InputError, match="need a number that can be blocked") as info:
        open_(rt, number="call me maybe")
    assert info.value.location.field == "number"
    assert requests.list_requests(rt, brand="enercom") == []
    assert feed.events_after(rt, "enercom").events == []


def test_a_complaint_keeps_an_unparseable_number_as_written_with_the_strictest_deadline(rt, brand, clock):
    r = open_(rt, kind="complaint", number="0000 anonymous", text="they called from a fake number")
    assert (r.number, r.number_valid, r.jurisdiction) == ("0000 anonymous", False, None)
    assert r.due_rule == "unknown.7-calendar-days"


@pytest.mark.parametrize(("field", "value"), [("kind", "refund"), ("via", "pigeon")])
def test_an_unknown_kind_or_channel_is_refused_naming_the_field(rt, brand, field, value):
    with pytest.raises(InputError, match="use one of") as info:
        open_(rt, **{"kind": "complaint", "via": "web", field: value})
    assert info.value.location.field == field


def test_an_unknown_brand_is_refused(rt, brand):
    with pytest.raises(NotFoundError, match="brand add"):
        requests.open_request(rt, RequestInput(brand="nobody", kind="opt-out", number=BR_NUMBER, via="web"))


# --- deadlines, overdue, closing, the index --------------------------------------------------------------


def test_overdue_requests_are_listed_and_count_against_the_index(rt, brand, clock):
    late = open_(rt, kind="complaint", number=ES_NUMBER)
    on_time = open_(rt, kind="complaint", number=BR_NUMBER)
    clock.at = on_time.due_at - timedelta(minutes=1)
    requests.close_request(rt, on_time.protocol, "called back and apologised", actor="agent:ana")
    clock.at = on_time.due_at + timedelta(days=1)  # BR (7 days) is past; ES (15 days) is not yet
    assert requests.list_requests(rt, overdue=True) == []
    clock.at = late.due_at + timedelta(seconds=1)
    assert [r.id for r in requests.list_requests(rt, brand="enercom", overdue=True)] == [late.id]
    total = {i.kind: i for i in requests.resolution_stats(rt, "enercom")}["all"]
    assert (total.closed_in_time, total.open_overdue, total.share) == (1, 1, 0.5)
    closed = requests.close_request(rt, late.id, "refund issued")
    assert closed.closed_in_time is False


def test_closing_twice_is_a_conflict_and_the_audit_trail_keeps_every_step(rt, brand):
    r = open_(rt, kind="complaint", text="rude agent")
    requests.close_request(rt, r.protocol.lower().replace("-", " "), "agent retrained")
    with pytest.raises(ConflictError, match="already closed"):
        requests.close_request(rt, r.id, "again")
    view = requests.show_request(rt, r.protocol)
    assert [e.action for e in view.events] == ["opened", "closed"]
    with pytest.raises(InputError):
        requests.close_request(rt, r.id, "  ")


def test_the_audit_trail_is_append_only_in_the_store(container, rt, brand):
    open_(rt, kind="complaint")
    for sql in ("UPDATE consumer_request_events SET actor = 'x'", "DELETE FROM consumer_request_events"):
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def test_protocol_numbers_are_per_brand_and_resolve_only_within_the_key_brand(rt, brand):
    r = open_(rt, kind="complaint")
    with pytest.raises(NotFoundError):
        requests.show_request(rt, r.protocol, brand="rival")
    assert requests.show_request(rt, r.protocol, brand="enercom").request.id == r.id


# --- complaints name a call; regulators get the fields they ask for --------------------------------------


def test_a_complaint_naming_a_call_is_filled_from_the_attempts_table(rt, brand, clock):
    campaigns.apply_campaign(rt, CAMPAIGN, file="c.toml")
    call_at = clock.now() - timedelta(hours=3)
    attempts.record_attempt(
        rt,
        attempts.AttemptInput(
            BR_NUMBER, "br-spring", call_at.isoformat(), "answered", "callco", "+551130000000"
        ),
    )
    r = open_(
        rt,
        kind="complaint",
        text="pushy sales call at dinner",
        called_at=(call_at + timedelta(minutes=20)).isoformat(),
    )
    assert (r.campaign, r.vendor, r.caller_id, r.attempt_id) == ("br-spring", "callco", "+551130000000", 1)
    (row,) = request_exports.regulator_rows(rt, "enercom")
    assert row["number_called"] == BR_NUMBER and row["company"] == "Enercom SA"
    assert row["caller_id_shown"] == "+551130000000" and row["description"] == "pushy sales call at dinner"
    assert row["called_at"] == r.called_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    csv_text = request_exports.regulator_csv([row])
    assert csv_text.splitlines()[0].startswith("protocol,request_id,kind")


def test_what_the_person_reports_is_never_overwritten(rt, brand, clock):
    campaigns.apply_campaign(rt, CAMPAIGN, file="c.toml")
    attempts.record_attempt(
        rt,
        attempts.AttemptInput(
            BR_NUMBER, "br-spring", clock.now().isoformat(), "answered", "callco", "+551130000000"
        ),
    )
    r = open_(rt, kind="complaint", caller_id="0800 fake", campaign="br-spring")
    assert (r.caller_id, r.vendor) == ("0800 fake", "callco")


# --- an in-call refusal --------------------------------------------------------------------------------


def test_an_in_call_refusal_opens_and_closes_an_opt_out_request(rt, brand, clock):
    campaigns.apply_campaign(rt, CAMPAIGN, file="c.toml")
    grant(rt, "marketing")
    clock.advance(minutes=5)
    attempts.record_attempt(
        rt, attempts.AttemptInput(BR_NUMBER, "br-spring", clock.now().isoformat(), "refused", "callco")
    )
    (r,) = requests.list_requests(rt, brand="enercom")
    assert (r.kind, r.status, r.via, r.vendor, r.campaign) == (
        "opt-out",
        "closed",
        "agent",
        "callco",
        "br-spring",
    )
    assert not is_granted(governing(rt, "marketing"))
    history = consent.show_consent(rt, "enercom", BR_NUMBER).history
    assert [e.status for e in history] == ["granted", "revoked"]  # one revocation, linked, not two
    assert r.ledger_seq == history[-1].seq


# --- access requests -------------------------------------------------------------------------------------


def test_an_access_request_exports_everything_held_on_the_number(rt, brand, settings, clock):
    campaigns.apply_campaign(rt, CAMPAIGN, file="c.toml")
    grant(rt, "marketing")
    dnc.add_dnc(rt, "enercom", BR_NUMBER, reason="asked twice")
    attempts.record_attempt(
        rt, attempts.AttemptInput(BR_NUMBER, "br-spring", clock.now().isoformat(), "no-answer")
    )
    open_(rt, kind="complaint", text="why do you have my number?")
    r = open_(rt, kind="access", via="email")
    assert r.export_path and r.export_sha256
    document = json.loads((settings.data_dir / r.export_path).read_text())
    assert document["number"] == BR_NUMBER and document["brand"] == "enercom"
    assert [e["status"] for e in document["consent_history"]] == ["granted"]
    assert document["consent_history"][0]["hash"]
    assert document["do_not_call"]["listed"][0]["reason"] == "asked twice"
    assert [e["action"] for e in document["do_not_call"]["log"]] == ["add"]
    assert [a["outcome"] for a in document["call_attempts"]] == ["no-answer"]
    assert {x["kind"] for x in document["requests"]} == {"complaint", "access"}
    view = requests.show_request(rt, r.id)
    assert "export-written" in [e.action for e in view.events]


def test_an_access_request_for_another_brand_sees_nothing_of_ours(rt, brand, settings):
    grant(rt, "marketing")
    r = requests.open_request(rt, RequestInput(brand="rival", kind="access", number=BR_NUMBER, via="web"))
    document = json.loads((settings.data_dir / r.export_path).read_text())
    assert document["consent_history"] == [] and document["requests"][0]["brand"] == "rival"


# --- the change feed -------------------------------------------------------------------------------------


def test_every_change_writes_a_feed_event_numbered_without_gaps(rt, brand):
    grant(rt, "marketing")
    dnc.add_dnc(rt, "enercom", BR_NUMBER)
    dnc.add_dnc(rt, "enercom", BR_NUMBER)  # already listed: no change, no event
    dnc.remove_dnc(rt, "enercom", BR_NUMBER)
    open_(rt)  # consent.recorded, request.opened, request.closed
    page = feed.events_after(rt, "enercom")
    assert [e.type for e in page.events] == [
        "consent.recorded", "dnc.added", "dnc.removed", "consent.recorded", "request.opened", "request.closed",
    ]  # fmt: skip
    assert [e.seq for e in page.events] == [1, 2, 3, 4, 5, 6] and page.head == 6
    assert len({e.id for e in page.events}) == 6
    assert feed.events_after(rt, "enercom", after=4, limit=1).next_after == 5
    assert feed.events_after(rt, "rival").events == []


def test_a_change_that_fails_half_way_leaves_neither_the_request_nor_its_events(rt, brand):
    class BrokenDisk:
        def write(self, name, data):
            raise StoreError("disk full")

        def path_of(self, relative):
            return None

    grant(rt, "marketing")
    rt.exports = BrokenDisk()
    with pytest.raises(StoreError, match="disk full"):
        open_(rt, kind="access")
    assert requests.list_requests(rt, brand="enercom") == []
    assert feed.events_after(rt, "enercom").head == 1  # only the consent granted before


def test_the_feed_is_append_only_in_the_store(container, rt, brand):
    open_(rt)
    for sql in ("UPDATE change_events SET type = 'x'", "DELETE FROM change_events"):
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def test_tail_follows_all_brands_in_order(rt, brand):
    open_(rt)
    requests.open_request(rt, RequestInput(brand="rival", kind="opt-out", number=BR_NUMBER, via="web"))
    events = list(feed.tail(rt, None))
    assert [(e.brand, e.seq) for e in events if e.brand == "rival"] == [
        ("rival", 1),
        ("rival", 2),
        ("rival", 3),
    ]
    assert len(events) == 6
    assert [e.seq for e in feed.tail(rt, "enercom", after=1, limit=1)] == [2]


def test_tail_with_follow_waits_for_new_events(rt, brand):
    open_(rt)
    seen = []
    follower = threading.Thread(
        target=lambda: seen.extend(feed.tail(rt, "enercom", follow=True, poll_seconds=0.01, limit=6))
    )
    follower.start()
    open_(rt, number="+5511900000124")
    follower.join(20)
    assert not follower.is_alive()
    assert [e.seq for e in seen] == [1, 2, 3, 4, 5, 6]
