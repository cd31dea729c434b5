"""A rate limiter in Redis, shared by every process on every host of a deployment.

One Lua script per hit (atomic, one round trip, on Redis's clock); fails open.
See docs/adr/0004-rate-limit-algorithm.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

from inventory.adapters.rate_limits.memory import Seconds
from inventory.adapters.redis_client import (
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    FAILURES,
    Outages,
    connect,
    where,
)
from inventory.application.rate_limits import Rate, RateDecision, WindowCounts, hit

DEFAULT_PREFIX = "inventory:rate:"

log = logging.getLogger("inventory.rate_limit")

# KEYS[1]: the key's hash (fields w, c, p: window index, current and previous
# hits). ARGV: limit, window length in seconds, and now in seconds, or "" for
# Redis's clock. Returns {found (0 or 1), w, c, p as found, now as text}.
_HIT = """
local limit = tonumber(ARGV[1])
local length = tonumber(ARGV[2])
local now_text = ARGV[3]
if now_text == '' then
  -- Servers before Redis 5 refuse writes after TIME unless told to replicate
  -- the script's effects rather than the script itself.
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  now_text = time[1] .. '.' .. string.format('%06d', tonumber(time[2]))
end
local now = tonumber(now_text)

local stored = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local seen, seen_current, seen_previous =
  tonumber(stored[1]), tonumber(stored[2]), tonumber(stored[3])
local found = seen ~= nil and seen_current ~= nil and seen_previous ~= nil

local window = math.floor(now / length)
local current, previous = 0, 0
if found and seen == window then
  current, previous = seen_current, seen_previous
elseif found and seen == window - 1 then
  previous = seen_current
end
-- A window from the future (a clock stepped back, or another unit) starts afresh.

local start = window * length
local share = math.floor(previous * (1.0 - (now - start) / length) + 1e-9)
local allowed = share + current < limit
if allowed then
  current = current + 1
end
if allowed or not (found and seen == window) then
  redis.call('HSET', KEYS[1], 'w', window, 'c', current, 'p', previous)
  redis.call('PEXPIRE', KEYS[1], 2 * length * 1000)
end
if found then
  return {1, seen, seen_current, seen_previous, now_text}
end
return {0, 0, 0, 0, now_text}
"""


class RedisRateLimiter:
    """The weighted two-window counter per key, in one Redis hash per key under ``prefix``.

    ``clock`` is for tests only: with one, hits are counted at its time
    instead of Redis's.
    """

    def __init__(
        self,
        rate: Rate,
        url: str,
        clock: Seconds | None = None,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
    ) -> None:
        self.rate = rate
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._client = connect(url, timeout, connect_timeout)
        self._script = self._client.register_script(_HIT)
        server = where(url)
        self._outages = Outages(
            log,
            f"rate limit storage {server} failed, not limiting until it answers",
            f"rate limit storage {server} answers again, limiting",
            backoff,
        )

    def hit(self, key: str) -> RateDecision:
        """Count one request for ``key``; see :class:`~inventory.application.ports.RateLimiter`."""
        if not self._outages.should_try():
            return RateDecision.unlimited(self.rate)
        now = "" if self._clock is None else repr(self._clock())
        try:
            reply = cast(
                "Sequence[int | bytes]",
                self._script(
                    keys=[self.prefix + key], args=[self.rate.limit, self.rate.window, now]
                ),
            )
        except FAILURES as exc:
            self._outages.failed(exc)
            return RateDecision.unlimited(self.rate)
        self._outages.answered()
        found, window, current, previous, at = reply
        stored = WindowCounts(int(window), int(current), int(previous)) if found else None
        decision, _ = hit(self.rate, stored, float(at))
        return decision

    def close(self) -> None:
        """Close this instance's connections (a later hit opens them again)."""
        self._client.close()
