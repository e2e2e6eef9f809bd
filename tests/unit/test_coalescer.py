"""Single checks answered by one server worker: which of them are decided together, and when.

The engine is replaced by a recorder: what is tested here is the grouping and the timing on the event
loop (tests/integration/test_batch_answer.py holds the answers of checks decided together)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from dialgate.api import routes_checks
from dialgate.api.routes_checks import Coalescer
from dialgate.services.check import CheckRequest


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The numbers of every frame the coalescer hands to the engine, in order."""
    seen: list[list[str]] = []

    def evaluate(_rt: Any, req: CheckRequest, *, brand: str, separate: bool) -> list[str]:
        assert separate and brand == "acme"
        # a campaign whose checks may wait on roaming lookups is decided off the event loop's thread
        assert threading.current_thread().name.startswith("dialgate-lookups") == (req.campaign == "pl")
        if req.campaign == "pl":
            time.sleep(0.2)  # a slow provider
        seen.append(list(req.numbers))
        return list(req.numbers)

    monkeypatch.setattr(routes_checks, "evaluate_request", evaluate)
    monkeypatch.setattr(routes_checks, "waits_on_lookups", lambda _rt, campaign: campaign == "pl")
    monkeypatch.setattr(routes_checks, "decision_json", lambda checked: checked[0].encode())
    monkeypatch.setattr(routes_checks, "answers_json", lambda checked: [n.encode() for n in checked])
    return seen


def _check(number: str, campaign: str = "fr") -> CheckRequest:
    return CheckRequest(campaign, [number], None, None, None, None, via="api")


def test_a_check_arriving_one_turn_later_joins_the_frame(frames):
    """The next poll's requests (here: a task started one turn later) are decided with the first."""

    async def main() -> list[bytes]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        first = asyncio.ensure_future(co.decide(_check("+33639980012"), "acme"))
        await asyncio.sleep(0)  # one turn: the first check is pending
        second = asyncio.ensure_future(co.decide(_check("+33639980014"), "acme"))
        return list(await asyncio.gather(first, second))

    assert asyncio.run(main()) == [b"+33639980012", b"+33639980014"]
    assert frames == [["+33639980012", "+33639980014"]]


def test_a_lone_check_is_decided_within_a_few_turns_never_on_a_timer(frames):
    async def main() -> tuple[bytes, int]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        pending = asyncio.ensure_future(co.decide(_check("+33639980012"), "acme"))
        turns = 0
        while not pending.done():
            turns += 1
            await asyncio.sleep(0)
        return pending.result(), turns

    answer, turns = asyncio.run(main())
    assert answer == b"+33639980012"
    assert turns <= 4
    assert frames == [["+33639980012"]]


def test_checks_of_different_campaigns_are_never_mixed(frames):
    async def main() -> list[bytes]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        return list(
            await asyncio.gather(
                co.decide(_check("+33639980012", "fr"), "acme"),
                co.decide(_check("+33639980014", "de"), "acme"),
                co.decide(_check("+33639980015", "fr"), "acme"),
            )
        )

    assert asyncio.run(main()) == [b"+33639980012", b"+33639980014", b"+33639980015"]
    assert sorted(frames) == [["+33639980012", "+33639980015"], ["+33639980014"]]


def test_checks_that_wait_on_roaming_lookups_do_not_hold_up_the_others(frames):
    """A check whose campaign reaches a country that asks where a mobile is waits on the network: it is
    decided on another thread, and the checks of other campaigns are answered meanwhile."""

    async def main() -> list[str]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        done: list[str] = []

        async def check(number: str, campaign: str) -> None:
            await co.decide(_check(number, campaign), "acme")
            done.append(campaign)

        await asyncio.gather(check("+48451000120", "pl"), check("+33639980012", "fr"))
        return done

    assert asyncio.run(main()) == ["fr", "pl"]


def test_a_failure_before_deciding_answers_every_waiting_check(frames, monkeypatch):
    def broken(_rt: Any, _campaign: str) -> bool:
        raise RuntimeError("the store is down")

    monkeypatch.setattr(routes_checks, "waits_on_lookups", broken)

    async def main() -> list[object]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        return await asyncio.gather(co.decide(_check("+33639980012"), "acme"), co.decide(_check("+33639980014"), "acme"),
                                    return_exceptions=True)  # fmt: skip

    assert [str(e) for e in asyncio.run(asyncio.wait_for(main(), 5))] == ["the store is down"] * 2


def test_a_failure_to_render_answers_its_checks_and_the_other_groups_still_get_theirs(frames, monkeypatch):
    def broken(checked: list[str]) -> list[bytes]:
        if any(n.startswith("+33") for n in checked):
            raise RuntimeError("cannot render")
        return [n.encode() for n in checked]

    monkeypatch.setattr(routes_checks, "answers_json", broken)

    async def main() -> list[object]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        checks = [("+33639980012", "fr"), ("+33639980014", "fr"), ("+4915112345678", "de"), ("+4915112345679", "de"),
                  ("+48451000120", "pl"), ("+33639980015", "pl")]  # fmt: skip
        return await asyncio.gather(
            *(co.decide(_check(n, c), "acme") for n, c in checks), return_exceptions=True
        )

    got = [str(a) if isinstance(a, Exception) else a for a in asyncio.run(asyncio.wait_for(main(), 5))]
    assert got == ["cannot render", "cannot render", b"+4915112345678", b"+4915112345679", "cannot render",
                   "cannot render"]  # fmt: skip


def test_closing_waits_for_the_checks_being_decided_off_the_loop(frames):
    """The server's shutdown closes the coalescer before the last flush of the audit log: a check still
    being decided must have queued its audit row by then."""

    async def main() -> tuple[float, bytes]:
        co = Coalescer(rt=None)  # type: ignore[arg-type]
        pending = asyncio.ensure_future(co.decide(_check("+48451000120", "pl"), "acme"))
        await asyncio.sleep(0.05)  # the slow provider (0.2 s) is being waited on in a lookup thread
        assert not frames
        start = time.monotonic()
        await asyncio.to_thread(co.close)
        return time.monotonic() - start, await pending

    waited, answer = asyncio.run(asyncio.wait_for(main(), 5))
    assert answer == b"+48451000120"
    assert waited > 0.05
