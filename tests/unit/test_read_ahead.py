"""The read-ahead stage: items in order, errors where they happened, a prompt stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from dialgate.read_ahead import ReadAhead


def _slowly(count: int, produced: list[int], *, fail_at: int | None = None) -> Iterator[int]:
    for i in range(count):
        if i == fail_at:
            raise ValueError(f"item {i} is broken")
        time.sleep(0.001 * (i % 3))  # uneven work, so the consumer sometimes waits and sometimes not
        produced.append(i)
        yield i


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_every_item_arrives_once_and_in_order(depth):
    produced: list[int] = []
    ahead = ReadAhead(_slowly(40, produced), depth)
    assert list(ahead) == list(range(40))
    ahead.close()
    assert next(ahead, None) is None


def test_an_error_reaches_the_consumer_after_the_items_before_it():
    ahead = ReadAhead(_slowly(10, [], fail_at=6), 2)
    received = []
    with pytest.raises(ValueError, match="item 6 is broken"):
        for item in ahead:
            received.append(item)
    ahead.close()
    assert received == [0, 1, 2, 3, 4, 5]


def test_close_stops_a_producer_waiting_for_room_and_runs_no_further():
    produced: list[int] = []
    ahead = ReadAhead(_slowly(1000, produced), 2)
    assert next(ahead) == 0
    time.sleep(0.05)  # the producer fills the queue and waits
    ahead.close()
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    stopped_at = len(produced)
    assert stopped_at <= 1 + 2 + 1  # the item taken, a full queue, the one waiting for room
    time.sleep(0.02)
    assert len(produced) == stopped_at
