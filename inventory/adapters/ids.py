"""Ids (ULIDs from ``python-ulid``, monotonic within a process) and API key secrets.

A later id sorts after an earlier one, so the ledger's (created_at, id) order is the order of
recording; see docs/adr/0001-cache-and-id-libraries.md for the thin layer kept on the library.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable

from ulid import ULIDGenerator


class MonotonicIds:
    """26-character ULIDs, each sorting after the one made before it by this generator.

    ``python-ulid`` counts up within one millisecond, but reads its clock outside its
    lock and starts afresh when the clock steps back. Here the clock is read under one
    lock and never goes back, so the order holds across threads and clock steps.
    ``clock_ms`` gives milliseconds since the epoch and ``randomness`` the 10 random bytes
    of a new millisecond (tests pass fakes).
    """

    def __init__(
        self,
        clock_ms: Callable[[], int] | None = None,
        randomness: Callable[[int], bytes] | None = None,
    ) -> None:
        self._read_clock = clock_ms or _epoch_ms
        self._randomness = randomness
        self.reset()

    def reset(self) -> None:
        """Forget the last id: a forked child must not count up from its parent's last one."""
        self._lock = threading.Lock()
        self._last_ms = 0
        self._ulids = ULIDGenerator(clock=self._clock, randomness=self._randomness)

    def __call__(self) -> str:
        with self._lock:
            try:
                made = self._ulids.generate()
            except ValueError:  # 2**80 ids in one millisecond: go on in the next one
                self._last_ms += 1
                made = self._ulids.generate()
        return str(made)

    def _clock(self) -> int:
        self._last_ms = max(self._last_ms, self._read_clock())
        return self._last_ms


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


new_id = MonotonicIds()
"""A new 26-character id that sorts after every id this process made before."""
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=new_id.reset)


def new_secret() -> str:
    """A new unguessable API key secret."""
    return "inv_" + secrets.token_urlsafe(32)
