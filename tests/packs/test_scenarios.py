"""One parametrised test over every pack scenario (tests/packs/scenarios/*.toml)."""

from __future__ import annotations

import pytest

from tests.packs.harness import load_cases, run_case

CASES = list(load_cases())


@pytest.fixture(params=["sqlite"])
def store_url(request, tmp_path, sqlite_template):  # the rules are store-independent: SQLite keeps this fast
    import shutil

    target = tmp_path / "data" / "dialgate.db"
    target.parent.mkdir(parents=True)
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.mark.parametrize(("name", "defaults", "case"), CASES, ids=[c[0] for c in CASES])
def test_scenario(name, defaults, case, rt, clock):
    decision = run_case(rt, clock, defaults, case)
    expect = case["expect"]
    got = {"verdict": str(decision.verdict), "reasons": sorted(decision.codes)}
    want = {"verdict": expect["verdict"], "reasons": sorted(expect.get("reasons", []))}
    if "next_allowed_at" in expect:
        got["next_allowed_at"] = decision.next_allowed_at.isoformat() if decision.next_allowed_at else "null"
        want["next_allowed_at"] = expect["next_allowed_at"]
    if "rules" in expect:
        got["rules"] = sorted(r.rule for r in decision.reasons)
        want["rules"] = sorted(expect["rules"])
    assert got == want, [r.message for r in decision.reasons]
