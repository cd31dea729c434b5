"""The rate-limit policy and its weighted two-window counter: pure, time passed in.

See docs/adr/0004-rate-limit-algorithm.md for the algorithm, what it costs
and why not a sliding log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

UNITS = {"second": 1, "minute": 60, "hour": 3600}
"""The window lengths, in seconds, that a rate may name."""

# Window arithmetic is in floats. A share of the previous window that is a whole
# number of hits "exactly" counts as that number, whichever way the last bit of
# the arithmetic rounded, so the count and the retry time always agree.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``limit`` requests in any ``window`` seconds."""

    limit: int
    window: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window < 1:
            raise ValueError(f"a rate needs a limit and a window >= 1, not {self}")

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """``N/second``, ``N/minute`` or ``N/hour`` as a Rate; ``off`` as None.

        Raises ValueError for anything else (the settings refuse it earlier).
        """
        if text == "off":
            return None
        count, _, unit = text.partition("/")
        if not count.isdigit() or unit not in UNITS:
            raise ValueError(f"a rate is N/second, N/minute, N/hour or off, not {text!r}")
        return cls(int(count), UNITS[unit])

    def __str__(self) -> str:
        unit = next((name for name, seconds in UNITS.items() if seconds == self.window), None)
        return f"{self.limit}/{unit}" if unit else f"{self.limit}/{self.window}s"


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The answer for one hit, with what the ``RateLimit-*`` headers tell the client.

    ``reset``: whole seconds until, with no further request, ``remaining`` is
    back to ``limit``. ``retry_after``: when refused, whole seconds (>= 1) until
    a request would be allowed again; 0 when allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int = 0

    @classmethod
    def unlimited(cls, rate: Rate) -> RateDecision:
        """Allowed without counting: what a limiter answers when its storage fails."""
        return cls(True, rate.limit, rate.limit, 0)


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """One key's state: the index of its latest window and the hits in it and the one before."""

    window: int
    current: int = 0
    previous: int = 0

    def is_idle(self, now: float, rate: Rate) -> bool:
        """Whether the state no longer weighs on any decision (so it may be dropped)."""
        window = _window_of(now, rate)
        return _slid(self, window) == WindowCounts(window)


def _window_of(now: float, rate: Rate) -> int:
    return math.floor(now / rate.window)


def _slid(counts: WindowCounts | None, window: int) -> WindowCounts:
    """``counts`` moved on to ``window``: the previous window is the one just before it."""
    if counts is None or counts.window > window:
        # Nothing yet, or a window from the future: the wall clock stepped back or the
        # rate's unit changed since this was stored. Start afresh rather than trust it.
        return WindowCounts(window)
    if counts.window == window:
        return counts
    if counts.window == window - 1:
        return WindowCounts(window, 0, counts.current)
    return WindowCounts(window)


def hit(rate: Rate, counts: WindowCounts | None, now: float) -> tuple[RateDecision, WindowCounts]:
    """Count one request at ``now`` (seconds) against ``counts``: the decision and the new state.

    The new state is to be stored whether or not the hit was allowed: a refusal
    counts nothing, but the windows may have moved on.
    """
    window = _window_of(now, rate)
    state = _slid(counts, window)
    start = window * rate.window
    share = math.floor(state.previous * (1.0 - (now - start) / rate.window) + _EPSILON)
    count = share + state.current
    allowed = count < rate.limit
    if allowed:
        state = WindowCounts(window, state.current + 1, state.previous)
        count += 1
    remaining = max(0, rate.limit - count)
    # The current window's hits weigh until the end of the next one; the previous
    # window's until the end of this one.
    resets_at: float = now
    if state.current:
        resets_at = start + 2 * rate.window
    elif state.previous:
        resets_at = start + rate.window
    reset = max(0, math.ceil(resets_at - now - _EPSILON))
    retry_after = 0 if allowed else _retry_after(rate, state, start, now)
    return RateDecision(allowed, rate.limit, remaining, reset, retry_after), state


def _retry_after(rate: Rate, state: WindowCounts, start: float, now: float) -> int:
    """Whole seconds (>= 1) until one more hit fits, if none is counted meanwhile."""
    if state.current < rate.limit:
        # The previous window's share decays within this window. One more hit
        # fits once floor(share) <= limit - 1 - current, that is once
        # previous * (1 - elapsed / window) < limit - current: strictly after
        # ``fits_from``.
        elapsed = rate.window * (1 - (rate.limit - state.current) / state.previous)
        fits_from = start + elapsed
    else:
        # This window is full: not before the next one, where this window's count
        # is the previous one's, and any instant after its start sees a share
        # below the limit.
        fits_from = start + rate.window
    # The first whole second strictly after ``fits_from``.
    return max(1, math.floor(fits_from - now + _EPSILON) + 1)
