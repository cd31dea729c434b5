"""A cache in this process's memory: per-entry TTL, least recently used evicted first.

A locked ``cachetools.LRUCache`` bounded in bytes of keys and values (and in entries), each
entry carrying its expiry; see docs/adr/0001-cache-and-id-libraries.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from cachetools import LRUCache

from inventory.application.ports import CacheStats

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class _Entry(NamedTuple):
    value: bytes
    expires: float
    size: int  # the key (as UTF-8) and the value, in bytes


def _size(entry: _Entry) -> float:
    return entry.size


class MemoryCache:
    """At most ``max_entries`` entries and ``max_bytes`` of keys and values, each for its TTL.

    One lock guards the cache (``cachetools`` is not thread-safe), so the threads of a
    worker may share it. An expired entry goes when it is met, or when the least recently
    used go. ``clock`` gives seconds on any monotonic scale (tests pass a fake one).
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
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: LRUCache[str, _Entry] = LRUCache(maxsize=max_bytes, getsizeof=_size)
        self._hits = 0
        self._misses = 0

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, now the most recently used; None if absent or expired."""
        with self._lock:
            entry = self._entries.get(key)  # now the most recently used
            if entry is not None and entry.expires > self._clock():
                self._hits += 1
                return entry.value
            if entry is not None:
                del self._entries[key]
            self._misses += 1
            return None

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds, evicting the least recently used to stay bounded."""
        size = len(key.encode()) + len(value)
        with self._lock:
            if ttl <= 0 or size > self.max_bytes:
                # Never kept (nor can it live); the old value goes too, so a later
                # get() cannot return what was replaced.
                self._entries.pop(key, None)
                return
            self._entries[key] = _Entry(value, self._clock() + ttl, size)
            while len(self._entries) > self.max_entries:
                self._entries.popitem()

    def stats(self) -> CacheStats:
        """Hits and misses of :meth:`get` since this cache was made."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def __len__(self) -> int:
        """How many entries are held, expired ones not yet dropped included."""
        with self._lock:
            return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held: every key (as UTF-8) and value."""
        with self._lock:
            return int(self._entries.currsize)
