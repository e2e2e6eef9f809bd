"""A scrub answers every row exactly as the single check does: same verdict, reasons, next lawful time."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.domain.vocabulary import Source
from dialgate.services import brands, campaigns, consent, dnc, registry
from dialgate.services.attempts import AttemptInput, record_attempt
from dialgate.services.check import CheckRequest, check_call
from dialgate.services.scrub import ScrubRequest, scrub_file

CAMPAIGN = """
id = "world"
brand = "acme"
purpose = "marketing"
caller_id = "+12025550100"
countries = ["FR", "US", "GB", "DE", "IT", "PL", "BR", "ES", "TR"]
"""
NUMBERS = [
    "+33639980012", "+33639980013", "+33639980014", "06 39 98 00 15", "+12125550123", "+13055550123",
    "+18505550123", "+14155550123", "+18005550123", "+447700900123", "+447700900124", "+491713920012",
    "+493023125000", "+393100000123", "+48451000100", "+48220000100", "+5521900000100", "+5511900000100",
    "+5581900000100", "+34710000100", "+905100000100", "+81312345678", "garbage", "", "+12125550123",
    "+4477", "0033639980012",
]  # fmt: skip


@pytest.fixture
def world(rt, tmp_path, number_tables_dir):
    rt.number_tables = CachedNumberTables(number_tables_dir)  # built once per test session
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="world.toml")
    for number, fields in {
        "+33639980012": {"status": "granted", "basis": "consent"},
        "+33639980014": {"status": "revoked"},
        "+491713920012": {"status": "granted", "evidence_uri": "https://forms.example/1"},
        "+493023125000": {"status": "granted"},  # no evidence: not relied on in Germany
        "+48451000100": {"status": "granted"},
        "+34710000100": {"status": "granted", "basis": "contract"},
        "+905100000100": {"status": "granted", "source": "registry"},
        "+12125550123": {"status": "granted", "basis": "inquiry", "captured_at": "2026-10-01T10:00:00Z"},
    }.items():
        base = {"number": number, "brand": "acme", "captured_at": "2026-01-05T10:00:00Z"}
        consent.record_consent(
            rt, consent.draft_from_fields(rt, {**base, **fields}, default_source=Source.WEB)
        )
    dnc.add_dnc(rt, "acme", "+447700900124")
    for day in (2, 9, 16, 20):
        record_attempt(rt, AttemptInput("+33639980012", "world", f"2026-11-{day:02d}T10:00:00Z", "no-answer"))
    # another campaign of the brand: a refusal there silences the number here too (France, 60 days)
    campaigns.apply_campaign(rt, CAMPAIGN.replace('"world"', '"spring"'), file="spring.toml")
    record_attempt(rt, AttemptInput("+33639980013", "spring", "2026-11-10T10:00:00.250Z", "refused"))
    record_attempt(rt, AttemptInput("+447700900123", "spring", "2026-11-21T10:00:00Z", "no-answer"))
    for name, lines in {
        "US-DNC": ["2125550123", "3055550123"],
        "UK-TPS": ["07700900123"],
        "IT-RPO": ["3100000123"],
        "BR-NMP": ["21900000100"],
        "ES-ROBINSON": ["710000100"],
    }.items():
        path = tmp_path / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n")
        registry.import_snapshot(rt, registry.SnapshotRequest(name, path, "lines", as_of=date(2026, 11, 20)))
    return rt


@pytest.mark.parametrize("at", ["2026-11-23T12:30:00Z", "2026-11-24T15:00:00Z", "2026-11-28T09:00:00Z"])
@pytest.mark.parametrize("copies", [1, 10])  # ten: rows alike enough that the engine decides one of each
def test_every_row_of_a_scrub_matches_the_single_check(world, tmp_path, at, copies, monkeypatch):
    from dialgate.domain.rules import alike

    shared = []
    spy = alike.alike_rows
    monkeypatch.setattr(
        "dialgate.services.batch.alike_rows", lambda frame: shared.append(spy(frame)) or shared[-1]
    )
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    with source.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "phone"])
        writer.writerows([i, n] for i, n in enumerate(NUMBERS * copies))
    scrub_file(world, ScrubRequest(source, target, "world", region="FR", at=at))
    assert (shared[0] is not None) == (copies > 1)
    rows = list(csv.DictReader(target.open(newline="")))
    assert len(rows) == len(NUMBERS) * copies
    for row in rows:
        raw = row["phone"]
        single = check_call(world, CheckRequest("world", [raw], at=at, region="FR"))
        expected = (
            str(single.verdict),
            set(single.codes),
            single.next_allowed_at.isoformat() if single.next_allowed_at else "",
        )
        got = (
            row["dialgate_verdict"],
            set(filter(None, row["dialgate_reasons"].split("|"))),
            row["dialgate_next_allowed_at"],
        )
        assert got == expected, (raw, [r.message for r in single.reasons])
    assert {r["dialgate_verdict"] for r in rows} == {"ALLOW", "BLOCK"}  # the fixture exercises both


def test_a_batch_answers_every_number_as_its_single_check(world):
    from dialgate.services.check import evaluate_request
    from dialgate.services.imports import BULK_PARSING_FROM

    numbers = NUMBERS * 2  # enough rows to take the bulk parsing path
    assert len(numbers) >= BULK_PARSING_FROM
    at = "2026-11-24T15:00:00Z"
    batch = evaluate_request(world, CheckRequest("world", numbers, at=at, region="FR"))
    for i, raw in enumerate(numbers):
        got = batch.evaluation.decision(i, batch.check_ids[i], batch.evaluated_at)
        single = check_call(world, CheckRequest("world", [raw], at=at, region="FR"))
        assert (got.number, got.verdict, sorted(got.codes), got.next_allowed_at, got.zones) == (
            single.number, single.verdict, sorted(single.codes), single.next_allowed_at, single.zones
        ), raw  # fmt: skip
    refused = batch.evaluation.decision(1, batch.check_ids[1], batch.evaluated_at)
    assert refused.number == "+33639980013" and "COOLING_OFF" in refused.codes  # read across campaigns
