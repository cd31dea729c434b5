"""Running a use case again when the database lost a race for it (:class:`Contention`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from inventory.application.errors import Contention

T = TypeVar("T")

ATTEMPTS = 3
"""Tries in all; a third lost race in a row is answered as 503, to be retried later."""


def retrying(
    action: Callable[[], T],
    attempts: int = ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
    jitter: Callable[[float, float], float] = random.uniform,
) -> T:
    """``action()``, run again (up to ``attempts`` tries) while it raises :class:`Contention`.

    Safe because a contended unit of work kept nothing: the next try starts
    from scratch in a new transaction. The short random pause lets the
    transactions that collided come back at different moments.
    """
    for attempt in range(1, attempts):
        try:
            return action()
        except Contention:
            pause(jitter(0.0, 0.01 * attempt))
    return action()
