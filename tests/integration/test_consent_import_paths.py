"""Consent imports validate a chunk column by column and seal it in one go. Row by row, they must accept and
refuse exactly what `draft_from_fields` (the single append's parser) does, with its messages, and store and
publish exactly the chain that sealing those drafts one after another gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.domain.consent import draft_row, seal_rows
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Source
from dialgate.errors import InputError
from dialgate.services import brands, consent, feed
from dialgate.services.consent_import import import_consents
from dialgate.services.imports import ImportReport, InputRow
from tests.conftest import T0

FILE = "consents.csv"
CHUNK = 40  # at least imports.BULK_PARSING_FROM rows, so full chunks parse their numbers in bulk

NUMBERS = ["+33639980012", "06 39 98 00 13", "+1 212 555 0123", "+447700900124", "+4930231250",
           "not a number", "", "+3363998", "0639980012"]  # fmt: skip
REGIONS = ["", "FR", " fr ", "Atlantis"]
STATUSES = ["granted", "revoked", "GRANTED", " revoked ", "", "maybe"]
CHANNELS = ["", "call", "sms", "CALL", "fax"]
PURPOSES = ["", "marketing", "all", "ALL", "surveys", "nope"]
ENUMS = {"basis": ["", "consent", "contract", "guess"], "party": ["", "consumer", "business", "alien"],
         "source": ["", "web", "agent", "IMPORT", "pigeon"]}  # fmt: skip
INSTANTS = ["", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00+01:00", " 2026-06-01T08:30:00.123456Z ",
            format_instant(T0 + timedelta(minutes=4)), format_instant(T0 + timedelta(minutes=6)),
            "2026-01-05T10:00:00", "yesterday"]  # fmt: skip
TEXTS = ["", "  ", 'Zoë "agent" 7', " padded ", "İYS onayı"]


def _expected(rt, rows: list[InputRow], base_dir: Path, default_brand: str | None):
    """What the single path makes of each row: its message, or its draft (in input order per brand)."""
    known = {b.id for b in brands.list_brands(rt)}
    errors, drafts = [], defaultdict(list)
    for row in rows:
        if row.problem is not None:
            errors.append((row.line, f"{FILE}:{row.line}: {row.problem}"))
            continue
        fields = dict(row.fields)
        if default_brand and not (fields.get("brand") or "").strip():
            fields["brand"] = default_brand
        try:
            draft = consent.draft_from_fields(
                rt, fields, base_dir=base_dir, default_source=Source.IMPORT, now=rt.clock.now()
            )
            if draft.brand not in known:
                raise InputError(f"unknown brand '{draft.brand}'").at(field="brand")
        except InputError as exc:
            exc.at(file=FILE, line=row.line)
            errors.append((row.line, str(exc)))
            continue
        drafts[draft.brand].append(draft_row(draft))
    return errors, drafts


def _assert_import_matches_single_path(rt, rows, base_dir, default_brand=None) -> ImportReport:
    errors, drafts = _expected(rt, rows, base_dir, default_brand)
    before = {v.brand: (v.events, v.head_hash) for v in consent.verify_ledger(rt)}
    feed_before = {b: feed.events_after(rt, b, 0, 1000).head for b in drafts}

    report = import_consents(rt, rows, file=FILE, base_dir=base_dir, default_brand=default_brand)

    assert [(e.line, e.message) for e in report.rejected] == errors
    assert [e.fields for e in report.rejected] == [
        r.fields for r in rows if r.line in {line for line, _ in errors}
    ]
    assert report.accepted == sum(len(d) for d in drafts.values())
    for brand, brand_drafts in drafts.items():
        head = before[brand]
        wires = seal_rows(brand_drafts, head=head, recorded_at=rt.clock.now())
        stored = [e.to_dict() for e in consent.export_consents(rt, brand)][head[0] :]
        assert stored == wires
        published = feed.events_after(rt, brand, feed_before[brand], 1000).events
        assert [(str(e.type), e.number, e.data) for e in published] == [
            ("consent.recorded", w["number"], w) for w in wires
        ]
    assert all(v.broken is None for v in consent.verify_ledger(rt))
    return report


def _pick(values: list[str], i: int, step: int) -> str:
    return values[(i * step + i // len(values)) % len(values)]


def _mixed_rows(brand: str, evidence: Path, evidence_sha: str) -> list[InputRow]:
    """Good rows with every kind of bad row among them, field values combined at different strides."""
    rows = []
    for i in range(6 * CHUNK):
        line = i + 2
        if i % 37 == 5:
            rows.append(InputRow(line, {}, "has 3 fields where the header has 9"))
            continue
        good = i % 3 != 1  # two rows in three use only good values, the third any
        fields = {
            "number": _pick(NUMBERS[:5] if good else NUMBERS, i, 1),
            "region": _pick(REGIONS[1:3] if good else REGIONS, i, 5),
            "brand": _pick([brand, f" {brand} "] if good else [brand, "", "ghost", " "], i, 3),
            "status": _pick(STATUSES[:4] if good else STATUSES, i, 7),
            "channel": _pick(CHANNELS[:4] if good else CHANNELS, i, 11),
            "purpose": _pick(PURPOSES[:4] if good else PURPOSES, i, 13),
            "captured_at": _pick(INSTANTS[:5] if good else INSTANTS, i, 17),
            "expires_at": _pick(["", "", "2027-01-05T10:00:00Z"] if good else INSTANTS, i, 19),
            "note": _pick(TEXTS, i, 23),
            "actor_agent": _pick(TEXTS, i, 29),
            "evidence_uri": _pick(["", "https://forms.example/é?a=1"], i, 31),
        }
        for name, values in ENUMS.items():
            fields[name] = _pick(values[:3] if good else values, i, 41)
        if i % 29 == 3:
            fields["evidence"] = str(evidence) if good else "missing.pdf"
        if i % 31 == 4:
            fields["evidence_sha256"] = evidence_sha.upper() if good else "ab" * 32
        rows.append(InputRow(line, fields))
    return rows


def test_a_mixed_file_is_imported_as_the_single_path_would(rt, tmp_path, number_tables_dir):
    rt.number_tables = CachedNumberTables(number_tables_dir)
    rt.import_batch_size = CHUNK
    brands.add_brand(rt, "acme")
    brands.add_brand(rt, "zeta")
    evidence = tmp_path / "signed form.pdf"
    evidence.write_bytes(b"%PDF fictional consent form")
    sha = rt.evidence.put_file(evidence)

    report = _assert_import_matches_single_path(rt, _mixed_rows("acme", evidence, sha), tmp_path)
    assert report.accepted > 3 * CHUNK and len(report.rejected) > CHUNK  # the fixture exercises both
    # once more, onto existing chains, with a default brand for the rows that name none
    _assert_import_matches_single_path(
        rt, _mixed_rows("zeta", evidence, sha), tmp_path, default_brand=" acme "
    )


_field = {
    "number": st.sampled_from(NUMBERS),
    "region": st.sampled_from(REGIONS),
    "status": st.sampled_from(STATUSES),
    "channel": st.sampled_from(CHANNELS),
    "purpose": st.sampled_from(PURPOSES),
    "captured_at": st.sampled_from(INSTANTS),
    "expires_at": st.sampled_from(["", *INSTANTS[1:5], "2027-01-05T10:00:00Z"]),
    "note": st.sampled_from(TEXTS),
    "actor_vendor": st.sampled_from(TEXTS),
    "notice_version": st.sampled_from(TEXTS),
    **{name: st.sampled_from(values) for name, values in ENUMS.items()},
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.fixed_dictionaries({}, optional=_field), min_size=CHUNK - 5, max_size=2 * CHUNK + 5),
    st.lists(st.sampled_from(["mine", "", "ghost"]), min_size=1),
)
def test_any_rows_are_imported_as_the_single_path_would(rt, tmp_path, number_tables_dir, fields, brand_of):
    rt.number_tables = CachedNumberTables(number_tables_dir)
    rt.import_batch_size = CHUNK
    mine = "b" + uuid.uuid4().hex[:12]  # a fresh chain per example
    brands.add_brand(rt, mine)
    rows = []
    for i, f in enumerate(fields):
        brand = brand_of[i % len(brand_of)]
        rows.append(InputRow(i + 2, {**f, "brand": mine if brand == "mine" else brand}))
    _assert_import_matches_single_path(rt, rows, tmp_path, default_brand=mine if len(brand_of) % 2 else None)
