"""What the dashboard shows, scoped to the viewer: its brand, and for a vendor viewer its vendor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dialgate.domain.staff import Role, Viewer
from dialgate.domain.vocabulary import Source
from dialgate.errors import NotFoundError, PermissionDeniedError
from dialgate.services import brands, campaigns, consent, dashboard, registry, vendors
from dialgate.services.check import CheckRequest, check_call, evaluate_request
from dialgate.services.requests import RequestInput, open_request

CAMPAIGN = """
id = "fr-fibre"
brand = "enercom"
purpose = "marketing"
caller_id = "+33162000000"
countries = ["FR"]
vendors = ["callco"]
"""
OTHER = """
id = "uk-other"
brand = "othertel"
purpose = "marketing"
caller_id = "+441632960100"
countries = ["GB"]
"""
OFFICER = Viewer("u1", "alice", "enercom", Role.OFFICER, None)
CALLCO = Viewer("u2", "cc", "enercom", Role.VENDOR_VIEWER, "callco")
DIALFAST = Viewer("u3", "df", "enercom", Role.VENDOR_VIEWER, "dialfast")
STRANGER = Viewer("u4", "bob", "othertel", Role.ADMIN, None)


@pytest.fixture
def world(rt, tmp_path):
    for brand in ("enercom", "othertel"):
        brands.add_brand(rt, brand)
    for vendor in ("callco", "dialfast"):
        vendors.apply_vendor(rt, brand="enercom", vendor_id=vendor)
    campaigns.apply_campaign(rt, CAMPAIGN, file="fr.toml")
    campaigns.apply_campaign(rt, OTHER, file="uk.toml")
    proof = tmp_path / "form.pdf"
    proof.write_bytes(b"%PDF-1.4 signed form")
    fields = {
        "number": "+33639980012",
        "brand": "enercom",
        "status": "granted",
        "evidence": str(proof),
        "actor_vendor": "callco",
    }
    consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    other = {"number": "+33639980012", "brand": "enercom", "status": "granted", "purpose": "survey"}
    consent.record_consent(rt, consent.draft_from_fields(rt, other, default_source=Source.WEB))
    return rt


def test_the_overview_counts_single_and_batch_decisions_of_today_by_verdict_and_reason(world, clock):
    check_call(world, CheckRequest("fr-fibre", ["+33639980012"], vendor="callco"))
    check_call(world, CheckRequest("fr-fibre", ["+33639980013"], vendor="dialfast"))
    evaluate_request(world, CheckRequest("fr-fibre", ["+33639980012", "+33639980014", "+33639980015"]))
    clock.advance(days=-3)
    check_call(world, CheckRequest("fr-fibre", ["+33639980013"]))
    clock.advance(days=3)
    world.decision_log.flush()

    seen = dashboard.overview(world, OFFICER)
    assert (seen.today.allowed, seen.today.blocked) == (2, 3)
    assert dict(seen.today.top_reasons())["NO_CONSENT"] == 3
    assert len(seen.days) == dashboard.CHART_DAYS and seen.days[-1].day == date(2026, 11, 23)
    assert (seen.days[-1].total, seen.days[-4].total) == (5, 1)

    mine = dashboard.overview(world, CALLCO)
    assert (mine.today.allowed, mine.today.blocked) == (1, 0)
    assert dashboard.overview(world, STRANGER).today.total == 0


def test_a_number_page_shows_what_concerns_the_viewer(world, clock):
    check_call(world, CheckRequest("fr-fibre", ["+33639980012"], vendor="callco"))
    check_call(world, CheckRequest("fr-fibre", ["+33639980012"], vendor="dialfast"))
    open_request(world, RequestInput("enercom", "complaint", "+33639980012", "web", text="late call"))
    world.decision_log.flush()

    officer = dashboard.number_page(world, OFFICER, "06 39 98 00 12", "FR")
    assert officer.number.e164 == "+33639980012"
    assert len(officer.history) == 2 and len(officer.decisions) == 2 and len(officer.requests) == 1
    assert officer.history[0].seq > officer.history[1].seq
    assert len(officer.evidence_stored) == 1

    vendor = dashboard.number_page(world, CALLCO, "+33639980012")
    assert [e.actor_vendor for e in vendor.history] == ["callco"] and vendor.hidden_history == 1
    assert [d.vendor for d in vendor.decisions] == ["callco"]
    assert vendor.requests == [] and len(vendor.state) == 2

    stranger = dashboard.number_page(world, STRANGER, "+33639980012")
    assert stranger.history == [] and stranger.decisions == [] and stranger.state == []


def test_evidence_is_served_only_for_the_viewers_brand_and_events(world):
    (sha,) = dashboard.number_page(world, OFFICER, "+33639980012").evidence_stored
    assert dashboard.evidence_file(world, OFFICER, "+33639980012", sha).read_bytes().startswith(b"%PDF")
    assert dashboard.evidence_file(world, CALLCO, "+33639980012", sha).is_file()
    for viewer, number in ((STRANGER, "+33639980012"), (DIALFAST, "+33639980012"), (OFFICER, "+33639980013")):
        with pytest.raises(NotFoundError):
            dashboard.evidence_file(world, viewer, number, sha)


def test_a_campaign_page_lists_the_packs_rules_in_force_with_their_law(world):
    page = dashboard.campaign_page(world, OFFICER, "fr-fibre")
    (france,) = page.countries
    rules = {r.rule: r for r in france.rules}
    assert {"FR.consent", "FR.hours", "FR.attempts", "campaign.vendors"} <= set(rules)
    assert rules["FR.hours"].kind == "window" and "D.223-9" in rules["FR.hours"].law
    assert rules["FR.consent"].effective_from == date(2026, 8, 11)
    assert "FR.bloctel" not in rules  # Bloctel's rule ended on 10 August 2026
    assert [v.id for v in page.vendors] == ["callco"]


def test_campaigns_requests_and_users_of_another_brand_are_not_found(world):
    assert [c.id for c in dashboard.visible_campaigns(world, STRANGER)] == ["uk-other"]
    with pytest.raises(NotFoundError):
        dashboard.campaign_page(world, STRANGER, "fr-fibre")
    request = open_request(world, RequestInput("enercom", "complaint", "+33639980013", "web", text="x"))
    with pytest.raises(NotFoundError):
        dashboard.request_detail(world, STRANGER, request.id)
    with pytest.raises(NotFoundError):
        dashboard.request_detail(world, STRANGER, request.protocol)
    assert dashboard.request_queue(world, STRANGER).open == []
    with pytest.raises(PermissionDeniedError):
        dashboard.users_page(world, OFFICER)


def test_a_vendor_viewer_sees_its_campaigns_and_requests_and_cannot_close_them(world):
    assert [c.id for c in dashboard.visible_campaigns(world, DIALFAST)] == []
    with pytest.raises(NotFoundError):
        dashboard.campaign_page(world, DIALFAST, "fr-fibre")
    theirs = open_request(
        world, RequestInput("enercom", "complaint", "+33639980013", "web", text="x", vendor="callco")
    )
    open_request(world, RequestInput("enercom", "complaint", "+33639980014", "web", text="y"))
    assert [r.id for r in dashboard.request_queue(world, CALLCO).open] == [theirs.id]
    with pytest.raises(PermissionDeniedError):
        dashboard.close_request(world, CALLCO, theirs.id, "done")
    closed = dashboard.close_request(world, OFFICER, theirs.protocol, "called back, apologised")
    assert closed.closed_by == "user:alice"


def test_requests_are_queued_by_deadline_and_overdue_ones_flagged(world, clock):
    clock.advance(days=-20)
    late = open_request(world, RequestInput("enercom", "complaint", "+34710000100", "web", text="x"))
    clock.advance(days=20)
    soon = open_request(world, RequestInput("enercom", "complaint", "+33639980013", "web", text="y"))
    queue = dashboard.request_queue(world, OFFICER)
    assert [r.id for r in queue.open] == [late.id, soon.id]
    seen = dashboard.overview(world, OFFICER)
    assert [r.id for r in seen.overdue] == [late.id] and seen.open_requests == 2
    assert late.due_at < clock.now() - timedelta(days=1)


def test_the_brands_chain_is_verified(world):
    check = dashboard.verify_brand_chain(world, "enercom")
    assert check.intact and check.events == 2
    assert dashboard.verify_brand_chain(world, "othertel").events == 0


def test_registers_show_their_age_and_days_left_and_a_number_page_its_hits(world, clock, tmp_path):
    tps = tmp_path / "tps.txt"
    tps.write_text("+447700900199\n")
    bloctel = tmp_path / "bloctel.txt"
    bloctel.write_text("+33639980019\n")
    today = clock.now().date()
    registry.import_snapshot(world, registry.SnapshotRequest("UK-TPS", tps, as_of=today - timedelta(days=26)))
    registry.import_snapshot(
        world, registry.SnapshotRequest("FR-BLOCTEL", bloctel, as_of=today - timedelta(days=40))
    )
    seen = dashboard.overview(world, CALLCO).registers
    assert [(r.record.info.name, r.age_days, r.days_left, r.stale) for r in seen] == [
        ("FR-BLOCTEL", 40, -10, True),
        ("UK-TPS", 26, 2, False),
    ]
    listed = dashboard.number_page(world, OFFICER, "+447700900199")
    assert [(h.status.record.info.name, h.listed) for h in listed.registers] == [("UK-TPS", True)]
    french = dashboard.number_page(world, OFFICER, "+33639980012")
    assert [(h.status.record.info.name, h.listed) for h in french.registers] == [("FR-BLOCTEL", False)]
    page = dashboard.register_page(world, "uk-tps")
    assert page.name == "UK-TPS" and page.status is not None and len(page.history) == 1


def test_days_that_are_over_are_counted_once_and_kept(world, clock, container):
    clock.advance(days=-2)
    check_call(world, CheckRequest("fr-fibre", ["+33639980013"]))
    clock.advance(days=2)
    check_call(world, CheckRequest("fr-fibre", ["+33639980013"]))
    world.decision_log.flush()
    first = dashboard.overview(world, OFFICER).days
    assert (first[-3].blocked, first[-1].blocked) == (1, 1)

    # a decision that reaches the store late, dated two days ago, is not counted again: that day is kept
    from sqlalchemy import text

    with container.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET evaluated_at = :at"), {"at": clock.now() - timedelta(days=2)})
    again = dashboard.overview(world, OFFICER).days
    assert (again[-3].blocked, again[-1].blocked) == (1, 0)  # today is always counted afresh
    with world.uow() as uow:
        kept = uow.audit.rolled_up("enercom", None, again[0].day, again[-1].day)
    assert len(kept) == dashboard.CHART_DAYS - 1 and all(d.day < again[-1].day for d in kept)
