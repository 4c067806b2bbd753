"""A bounded worker pool: at most ``workers`` jobs run and ``queue`` wait; more are refused.

Refusing at once (the server answers 503) keeps latency and memory bounded under load instead
of piling requests up. Threads, not processes: generation and rendering spend their time in
numpy and native code, and a take's files go to a folder both sides can see.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class PoolFull(Exception):
    """Every worker is busy and the queue is full."""


class WorkerPool:
    """``workers`` threads and a waiting line of ``queue`` jobs; ``submit`` beyond raises."""

    def __init__(self, workers: int = 2, queue: int = 8) -> None:
        if workers < 1 or queue < 0:
            raise ValueError(f"need workers >= 1 and queue >= 0, got {workers} and {queue}")
        self.workers, self.queue = workers, queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jazzsolo")
        self._load = 0
        self._changed = threading.Condition()

    @property
    def capacity(self) -> int:
        """Jobs admitted at once: running plus waiting."""
        return self.workers + self.queue

    @property
    def load(self) -> int:
        """Jobs admitted and not finished yet."""
        with self._changed:
            return self._load

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` on a worker; raises ``PoolFull`` when the line is full."""
        with self._changed:
            if self._load >= self.capacity:
                raise PoolFull(f"{self._load} jobs are running or waiting")
            self._load += 1
            self._changed.notify_all()
        try:
            future = self._executor.submit(fn, *args)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future | None) -> None:
        with self._changed:
            self._load -= 1
            self._changed.notify_all()

    def wait_for_load(self, load: int, timeout: float) -> bool:
        """Block until exactly ``load`` jobs are admitted (tests and benchmarks use it)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._load == load, timeout)

    def shutdown(self) -> None:
        """Stop taking jobs; waiting ones are cancelled, running ones finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)
