"""A row of a batch is decided as a single check of its number is, down to the reasons' wording."""

from __future__ import annotations

from datetime import date

from dialgate.services import brands, campaigns, registry
from dialgate.services.check import CheckRequest, check_call, evaluate_request

CAMPAIGN = (
    'id = "es"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+442079460100"\ncountries = ["ES"]\n'
)


def test_a_stale_register_gives_each_row_the_age_in_its_own_callees_days(rt, tmp_path):
    # 23:30 UTC: already the 24th in Madrid, still the 23rd in the Canaries
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="es.toml")
    robinson = tmp_path / "robinson.txt"
    robinson.write_text("+34710000199\n")
    registry.import_snapshot(
        rt, registry.SnapshotRequest("ES-ROBINSON", robinson, "lines", as_of=date(2026, 10, 21))
    )
    numbers, at = ["+34910000100", "+34928000100"], "2026-11-23T23:30:00Z"
    batch = evaluate_request(rt, CheckRequest("es", numbers, at=at))
    for row, number in enumerate(numbers):
        single = check_call(rt, CheckRequest("es", [number], at=at))
        assert [r.message for r in batch.evaluation.reasons_of(row)] == [r.message for r in single.reasons]
    stale = [
        [r.message for r in batch.evaluation.reasons_of(row) if r.code == "REGISTRY_STALE"] for row in (0, 1)
    ]
    assert "34 days old" in stale[0][0] and "33 days old" in stale[1][0]
