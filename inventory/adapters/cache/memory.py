"""A cache in this process's memory: entries expire after their TTL, least recently used first."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from inventory.application.ports import CacheStats

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class MemoryCache:
    """A TTL + LRU cache of at most ``max_entries`` entries and ``max_bytes`` of keys and values.

    One lock guards everything, so the threads of a worker may share it; each
    operation holds it for a dictionary lookup or two. ``clock`` gives seconds
    on any monotonic scale (tests pass a fake one).
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
        # key -> (expires at, value); the first entry is the least recently used.
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, now the most recently used; None if absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self._clock():
                self._entries.move_to_end(key)
                self._hits += 1
                return entry[1]
            if entry is not None:
                self._drop(key)
            self._misses += 1
            return None

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds, evicting the least recently used to stay bounded."""
        size = _size(key, value)
        with self._lock:
            self._drop(key)
            # An entry that can never fit (or never live) is not kept; the old
            # value went above, so a later get() cannot return what was replaced.
            if ttl <= 0 or size > self.max_bytes:
                return
            self._entries[key] = (self._clock() + ttl, value)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                oldest = next(iter(self._entries))
                self._drop(oldest)

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
            return self._bytes

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= _size(key, entry[1])


def _size(key: str, value: bytes) -> int:
    return len(key.encode()) + len(value)
