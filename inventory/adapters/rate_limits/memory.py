"""A rate limiter whose counts live in this process: unit tests and ``memory://``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from inventory.application.rate_limits import Rate, RateDecision, WindowCounts, hit

Seconds = Callable[[], float]
"""A clock reading in seconds; wall time (``time.time``) in production."""


class MemoryRateLimiter:
    """The weighted two-window counter per key, in a dict behind a lock.

    Each process counts alone, so a deployment of several workers would let
    each of them grant the whole budget: use it only where there is one process
    (``memory://`` storage is one process's anyway) or in tests.
    """

    def __init__(self, rate: Rate, clock: Seconds = time.time) -> None:
        self.rate = rate
        self._clock = clock
        self._counts: dict[str, WindowCounts] = {}
        self._lock = threading.Lock()
        self._pruned_at = clock()

    def hit(self, key: str) -> RateDecision:
        """Count one request for ``key``; see :class:`~inventory.application.ports.RateLimiter`."""
        with self._lock:
            now = self._clock()
            decision, self._counts[key] = hit(self.rate, self._counts.get(key), now)
            self._prune(now)
        return decision

    def _prune(self, now: float) -> None:
        # A sweep once a window keeps the dict to the keys seen in the last two
        # windows, at a cost spread thinly over every hit in between.
        if now - self._pruned_at < self.rate.window:
            return
        self._pruned_at = now
        idle = [key for key, counts in self._counts.items() if counts.is_idle(now, self.rate)]
        for key in idle:
            del self._counts[key]

    def __len__(self) -> int:
        """How many keys are tracked (for tests of the pruning)."""
        return len(self._counts)
