"""The batch answer is assembled from shared fragments; byte for byte it is the JSON that encoding each
decision on its own gives (the assembly it replaced is kept here as the reference)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pytest

from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.api.render import decisions_json
from dialgate.domain.calendar import NO_TIME
from dialgate.domain.vocabulary import Source
from dialgate.services import brands, campaigns, consent, dnc
from dialgate.services.check import Checked, CheckRequest, evaluate_request

CAMPAIGN = """
id = "world"
brand = "acme"
purpose = "marketing"
caller_id = "+33162000000"
countries = ["FR", "US", "GB", "DE", "PL"]
"""
ODD = ["", "garbage", '"quoted"', "back\\slash", '","', "tab\there", "nul\x00l", "é06 39", "😀", "\u2028"]


def _reference(checked: Checked) -> bytes:
    """The assembly before fragments were joined in one pass: a formatted bytes object per row."""
    ev = checked.evaluation
    f = ev.frame
    set_of_row, sets = ev.reason_sets()
    evaluated = orjson.dumps(checked.evaluated_at.isoformat().replace("+00:00", "Z"))
    combos, which = np.unique(f.group.astype(np.int64) * len(sets) + set_of_row, return_inverse=True)
    middles, tails = [], []
    for combo in combos:
        g, s = divmod(int(combo), len(sets))
        group = f.groups[g]
        reasons = orjson.dumps([ev.reasons[d].to_dict() for d in sets[s]])
        verdict = b"BLOCK" if sets[s] else b"ALLOW"
        middles.append(b',"verdict":"' + verdict + b'","reasons":' + reasons + b',"next_allowed_at":')
        zone = ZoneInfo(group.zones[0]) if group.zones else None
        tail = {
            "jurisdiction": group.jurisdiction or None,
            "local_time": f.at.astimezone(zone).isoformat() if zone else None,
            "timezone": {"zones": list(group.zones), "source": group.zone_source} if group.zones else None,
        }
        tails.append(b"," + orjson.dumps(tail)[1:-1] + b',"evaluated_at":' + evaluated + b"}")
    nexts = [b"null"] * f.n
    for i in np.flatnonzero(ev.next_allowed != NO_TIME).tolist():
        zone = ZoneInfo(f.groups[int(f.group[i])].zones[0])
        nexts[i] = b'"' + datetime.fromtimestamp(int(ev.next_allowed[i]), zone).isoformat().encode() + b'"'
    parts = [
        b'{"check_id":"%s","number":%s%s%s%s'
        % (checked.check_ids[i].encode(), orjson.dumps(str(f.e164[i])), middles[w], nexts[i], tails[w])
        for i, w in enumerate(which.tolist())
    ]
    return b'{"decisions":[' + b",".join(parts) + b"]}"


@pytest.fixture
def world(rt, number_tables_dir):
    rt.number_tables = CachedNumberTables(number_tables_dir)
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="world.toml")
    for number, status in (
        ("+33639980012", "granted"),
        ("+33639980014", "revoked"),
        ("+447700900123", "granted"),
    ):
        fields = {"number": number, "brand": "acme", "status": status, "captured_at": "2026-01-05T10:00:00Z"}
        consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    dnc.add_dnc(rt, "acme", "+447700900124")
    return rt


@pytest.mark.parametrize("at", ["2026-11-23T09:30:00Z", "2026-11-22T23:10:00Z"])  # in hours; at night
@pytest.mark.parametrize("size", [1, 2, 700])  # 700: bulk parsing
def test_the_batch_answer_is_the_reference_assembly_byte_for_byte(world, at, size):
    mix = ["+33639980012", "+33639980014", "06 39 98 00 15", "+12125550123", "+13055550123", "+447700900123",
           "+447700900124", "+491713920012", "+48451000100", *ODD]  # fmt: skip
    numbers = (mix * (size // len(mix) + 1))[:size]
    checked = evaluate_request(world, CheckRequest("world", numbers, at=at, region="FR"))
    answer = decisions_json(checked)
    assert answer == _reference(checked)
    decisions = orjson.loads(answer)["decisions"]
    assert [d["number"] for d in decisions][: len(mix)] == [
        str(checked.evaluation.frame.e164[i]) for i in range(min(size, len(mix)))
    ]
    if size > len(mix):
        assert any(d["next_allowed_at"] for d in decisions) == at.startswith("2026-11-22")


@pytest.mark.parametrize("at", ["2026-11-23T09:30:00Z", "2026-11-22T23:10:00Z"])
def test_single_checks_decided_together_answer_as_each_alone(world, at):
    """Single checks that arrive together are decided as one frame and answered from its pieces; each
    answer is the one decision_json gives that row."""
    from dialgate.api.render import answers_json, decision_json

    numbers = ["+33639980012", "+33639980014", "06 39 98 00 15", "+12125550123", "+447700900124", *ODD]
    checked = evaluate_request(world, CheckRequest("world", numbers, at=at, region="FR"), separate=True)
    answers = answers_json(checked)
    assert answers == [decision_json(checked, row) for row in range(len(numbers))]
    assert len({orjson.loads(a)["check_id"] for a in answers}) == len(numbers)
