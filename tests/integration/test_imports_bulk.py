"""Long consent and attempt imports parse their numbers in bulk: they must accept, refuse and store
exactly what the number-by-number path does, with the same messages."""

from __future__ import annotations

from sqlalchemy import text

from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.services import attempts, brands, campaigns, consent, consent_import
from dialgate.services.imports import BULK_PARSING_FROM, InputRow, bulk_e164

NUMBERS = [
    ("+33639980012", None), ("06 39 98 45 67", "FR"), ("+1 (212) 555-0123", None), ("2125550199", "US"),
    ("07700 900123", "UK"), ("+447700900124", "GB"), ("+4930231250", None), ("+33 1 99 00 00 00", None),
    ("not a number", None), ("", None), ("+3363998", None), ("0639980012", None), ("0639980012", "Atlantis"),
    ("+999123456", None), ("+12125550123 ext. 7", None), ("+۳۳۶۳۹۹۸۰۰۱۲", None), ("0033639980013", None),
]  # fmt: skip


def _rows(brand: str) -> list[InputRow]:
    rows = []
    for i in range(3 * len(NUMBERS)):
        number, region = NUMBERS[i % len(NUMBERS)]
        fields = {
            "number": number,
            "brand": brand,
            "status": "granted",
            "purpose": "marketing",
            "region": region,
        }
        rows.append(InputRow(i + 2, fields))
    assert len(rows) >= BULK_PARSING_FROM
    return rows


def test_bulk_parsing_accepts_refuses_and_stores_as_the_single_path(rt, number_tables_dir):
    brands.add_brand(rt, "single")
    brands.add_brand(rt, "bulk")
    rt.number_tables = None
    single = consent_import.import_consents(rt, _rows("single"), file="single.csv")
    rt.number_tables = CachedNumberTables(number_tables_dir)
    bulk = consent_import.import_consents(rt, _rows("bulk"), file="bulk.csv")
    parsed = bulk_e164(rt, _rows("bulk"))
    assert parsed[0] == "+33639980012" and parsed[1] == "+33639984567" and None in parsed  # the path taken

    assert bulk.accepted == single.accepted > 0
    assert [(e.line, e.message.replace("bulk.csv", "F")) for e in bulk.rejected] == [
        (e.line, e.message.replace("single.csv", "F")) for e in single.rejected
    ]
    assert single.rejected  # the fixture exercises refusals too
    stored = {b: [(e.seq, e.number) for e in consent.export_consents(rt, b)] for b in ("single", "bulk")}
    assert stored["bulk"] == stored["single"]


def test_bulk_parsing_of_attempts_agrees_with_the_single_path(rt, number_tables_dir):
    brands.add_brand(rt, "acme")
    for cid in ("single", "bulk"):
        toml = f'id = "{cid}"\nbrand = "acme"\npurpose = "marketing"\ncountries = ["FR", "US", "GB", "DE"]\n'
        campaigns.apply_campaign(rt, toml, file=f"{cid}.toml")

    def rows(cid: str) -> list[InputRow]:
        out = []
        for i in range(3 * len(NUMBERS)):
            number, region = NUMBERS[i % len(NUMBERS)]
            fields = {"number": number, "campaign": cid if i % 11 else "nope", "at": "2026-11-20T10:00:00Z",
                      "outcome": "no-answer" if i % 7 else "answred", "region": region}  # fmt: skip
            out.append(InputRow(i + 2, fields))
        return out

    rt.number_tables = None
    single = attempts.import_attempts(rt, rows("single"), file="single.csv")
    rt.number_tables = CachedNumberTables(number_tables_dir)
    bulk = attempts.import_attempts(rt, rows("bulk"), file="bulk.csv")

    assert bulk.accepted == single.accepted > 0
    assert [(e.line, e.message.replace("bulk", "X")) for e in bulk.rejected] == [
        (e.line, e.message.replace("single", "X")) for e in single.rejected
    ]
    with rt.uow() as uow:
        rows_ = uow.connection.execute(
            text("SELECT campaign_id, number FROM call_attempts ORDER BY id")
        ).all()
    stored = {cid: [n for c, n in rows_ if c == cid] for cid in ("single", "bulk")}
    assert stored["bulk"] == stored["single"] and stored["bulk"]
