"""Which checks ask where a mobile is, and how long they may wait for the answer."""

from __future__ import annotations

from typing import Any

import pytest

from dialgate.domain.roaming import RoamingState
from dialgate.services import brands, campaigns
from dialgate.services.check import CheckRequest, evaluate_request, waits_on_lookups

PL_MOBILES = ["+48451000110", "+48451000120", "+48451000130"]
AT = "2026-11-23T10:00:00Z"


@pytest.fixture
def asked(rt, monkeypatch) -> list[tuple[list[str], Any]]:
    """Every roaming lookup the checks make: the numbers and the budget."""
    seen: list[tuple[list[str], Any]] = []
    real = rt.roaming.resolve_sync

    def resolve_sync(numbers, *, budget=None, **kw):  # type: ignore[no-untyped-def]
        seen.append((list(numbers), budget))
        return real(numbers, budget=budget, **kw)

    monkeypatch.setattr(rt.roaming, "resolve_sync", resolve_sync)
    brands.add_brand(rt, "acme")
    for cid, countries in (("pl", '["PL"]'), ("fr", '["FR"]')):
        campaigns.apply_campaign(
            rt, f'id = "{cid}"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+48221234567"\n'
            f"countries = {countries}\n", file=f"{cid}.toml",
        )  # fmt: skip
    return seen


def test_a_campaign_that_cannot_call_the_country_makes_no_lookup(rt, asked):
    checked = evaluate_request(rt, CheckRequest("fr", PL_MOBILES, at=AT))
    assert asked == []
    ev = checked.evaluation
    assert all(
        "DESTINATION_NOT_ALLOWED" in {r.code for r in ev.reasons_of(i)} for i in range(len(PL_MOBILES))
    )
    assert not waits_on_lookups(rt, "fr") and waits_on_lookups(rt, "pl") and not waits_on_lookups(rt, "nope")


def test_single_checks_answered_together_keep_a_single_checks_budget(rt, asked):
    evaluate_request(rt, CheckRequest("pl", PL_MOBILES, at=AT), separate=True)
    evaluate_request(rt, CheckRequest("pl", PL_MOBILES[1:], at=AT))  # a batch waits for every answer
    assert asked == [(PL_MOBILES, rt.roaming.policy.check_budget), (PL_MOBILES[1:], None)]


def test_the_lookups_decide_the_roaming_rule(rt, asked):
    checked = evaluate_request(rt, CheckRequest("pl", PL_MOBILES[:2], at=AT))
    found = rt.roaming.resolve_sync(PL_MOBILES[:2])
    outside = [found[n].state is RoamingState.OUTSIDE_EEA for n in PL_MOBILES[:2]]
    assert outside == [False, True]
    assert checked.evaluation.block.tolist()[1] is True


def test_a_batch_waiting_on_a_slow_provider_does_not_hold_up_other_checks(rt, asked, live, monkeypatch):
    """Over HTTP: a Polish batch whose lookups take a second, in a lookup thread; meanwhile a French single
    check on the same server answers before the batch does (it was held up when batches ran on the loop)."""
    import threading
    import time

    import httpx

    from dialgate.services import apikeys

    lookups: list[str] = []

    def slow(numbers, *, budget=None, **kw):  # type: ignore[no-untyped-def]
        lookups.append(threading.current_thread().name)
        time.sleep(1.0)
        return {}

    monkeypatch.setattr(rt.roaming, "resolve_sync", slow)
    key = apikeys.create_api_key(rt, brand="acme", scopes=["check"])
    headers = {"Authorization": f"Bearer {key}"}
    done: dict[str, tuple[int, float]] = {}

    def post(name: str, path: str, body: dict[str, object]) -> None:
        with httpx.Client(base_url=live.url, headers=headers, timeout=30) as c:
            done[name] = (c.post(path, json=body).status_code, time.monotonic())

    batch = threading.Thread(target=post, args=("batch", "/v1/checks:batch", {"campaign": "pl", "numbers": PL_MOBILES, "at": AT}))  # fmt: skip
    batch.start()
    deadline = time.monotonic() + 20
    while not lookups and batch.is_alive() and time.monotonic() < deadline:  # the batch waits on the provider
        time.sleep(0.01)
    assert lookups, f"the batch never reached its lookups: {done}"
    post("single", "/v1/checks", {"campaign": "fr", "number": "+33639980012", "at": AT})
    batch.join(30)
    assert done["single"][0] == done["batch"][0] == 200
    assert done["single"][1] < done["batch"][1], "the single check waited for the batch's lookups"
    assert lookups[0].startswith("dialgate-lookups")
