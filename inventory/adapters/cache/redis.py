"""A cache in Redis, shared by every process on every host that names the same server."""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import cast

from inventory.adapters.redis_client import (
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    FAILURES,
    Outages,
    connect,
    where,
)
from inventory.application.ports import CacheStats

DEFAULT_PREFIX = "inventory:cache:"

log = logging.getLogger("inventory.cache")

# Longer keys are stored under their hash, so that no key costs Redis more
# than a few hundred bytes whatever a cached read puts in it.
_LONGEST_KEY = 200


class RedisCache:
    """Each entry one Redis string under ``prefix``, written with its TTL (``SET ... PX``).

    Redis expires entries itself, and its ``maxmemory`` policy bounds them
    (every key has a TTL, so the ``volatile-*`` policies apply). Nothing is
    ever invalidated: keys carry the data versions (see
    :mod:`inventory.application.caching`), so an entry of older versions
    is simply never asked for again and lapses with its TTL.

    A Redis that fails never fails a request: a lookup reads as a miss and a
    write is skipped, with one warning per outage and Redis left alone for
    ``backoff`` seconds after each failure (see
    :mod:`inventory.adapters.redis_client`).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._client = connect(url, timeout, connect_timeout)
        server = where(url)
        self._outages = Outages(
            log,
            f"Redis cache at {server} failed, caching nothing until it answers",
            f"Redis cache at {server} answers again",
            backoff,
        )
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, or None (absent, expired, or Redis unavailable)."""
        value: bytes | None = None
        if self._outages.should_try():
            try:
                value = cast("bytes | None", self._client.get(self._key(key)))
            except FAILURES as exc:
                self._outages.failed(exc)
            else:
                self._outages.answered()
        with self._lock:
            if value is None:
                self._misses += 1
            else:
                self._hits += 1
        return value

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds, in whole milliseconds (any old value goes)."""
        if not self._outages.should_try():
            return
        milliseconds = int(ttl * 1000)  # never longer than asked
        try:
            if milliseconds > 0:
                self._client.set(self._key(key), value, px=milliseconds)
            else:
                self._client.delete(self._key(key))
        except FAILURES as exc:
            self._outages.failed(exc)
        else:
            self._outages.answered()

    def stats(self) -> CacheStats:
        """Hits and misses of this instance's lookups (other processes count their own)."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def close(self) -> None:
        """Close this instance's connections (a later call opens them again)."""
        self._client.close()

    def _key(self, key: str) -> str:
        encoded = key.encode()
        if len(encoded) > _LONGEST_KEY:
            return f"{self.prefix}h:{hashlib.sha256(encoded).hexdigest()}"
        return f"{self.prefix}k:{key}"  # its own marker, so no key can pass for a hash
