"""A bounded pipeline stage: an iterator run in a background thread, a few items ahead of its consumer.
Plain threading, no I/O of its own: the scrub service and the CSV adapter both use it.

numpy, polars and the compiled kernels release the GIL, so the work of producing the next items (reading,
parsing) runs on another core while the consumer handles the current one. Items arrive in order; an
error raised while producing is raised to the consumer at the item where it happened; close() stops
the producer (after the item it is working on) and waits for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


class ReadAhead(Iterator[T]):
    """Runs an iterator in a background thread, up to `depth` items ahead of its consumer."""

    def __init__(self, items: Iterator[T], depth: int, *, name: str = "read-ahead") -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(items,), name=name, daemon=True)
        self._thread.start()

    def _run(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Failed(exc))

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is _END:
            self._done = True
            raise StopIteration
        if isinstance(item, _Failed):
            self._done = True
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
