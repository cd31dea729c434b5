"""A cache in this process's memory: per-entry TTL, least recently used evicted first.

A thread-safe wrapper over ``cachetools.TLRUCache`` bounded in entries and in bytes of keys and
values; see docs/adr/0001-cache-and-id-libraries.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from cachetools import TLRUCache

from inventory.application.ports import CacheStats

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class _Entry(NamedTuple):
    value: bytes
    ttl: float
    size: int  # the key (as UTF-8) and the value, in bytes


def _expires(key: str, entry: _Entry, now: float) -> float:
    return now + entry.ttl


def _size(entry: _Entry) -> float:
    return entry.size


class MemoryCache:
    """At most ``max_entries`` entries and ``max_bytes`` of keys and values, each for its TTL.

    One lock guards the cache (``cachetools`` is not thread-safe), so the threads of a
    worker may share it. ``clock`` gives seconds on any monotonic scale (tests pass a fake one).
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache must be able to hold at least one entry and one byte")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: TLRUCache[str, _Entry] = TLRUCache(
            maxsize=max_bytes, ttu=_expires, timer=clock, getsizeof=_size
        )
        self._hits = 0
        self._misses = 0

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, now the most recently used; None if absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                self._entries.expire()  # an expired entry met here goes now, not at eviction
                return None
            self._hits += 1
            return entry.value

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds, evicting the least recently used to stay bounded."""
        size = len(key.encode()) + len(value)
        with self._lock:
            if ttl <= 0 or size > self.max_bytes:
                # Never kept (nor can it live); the old value goes too, so a later
                # get() cannot return what was replaced.
                self._entries.pop(key, None)
                return
            self._entries[key] = _Entry(value, ttl, size)
            while len(self._entries) > self.max_entries:
                self._entries.popitem()

    def stats(self) -> CacheStats:
        """Hits and misses of :meth:`get` since this cache was made."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def __len__(self) -> int:
        """How many live entries are held."""
        with self._lock:
            return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held by live entries: every key (as UTF-8) and value."""
        with self._lock:
            return int(self._entries.currsize)
