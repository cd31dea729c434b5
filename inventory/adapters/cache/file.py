"""A cache in a directory, shared by every process on the host that opens it.

A ``diskcache.Cache`` (one SQLite database) with this project's Cache port, hit counts and
error handling; see docs/adr/0001-cache-and-id-libraries.md.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

import diskcache

from inventory.application.ports import CacheStats

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# How long a write waits for another process's write before it is skipped.
WRITE_WAIT = 1

log = logging.getLogger("inventory.cache")

_FAILURES = (OSError, sqlite3.Error, diskcache.Timeout)
_WARN_EVERY = 60.0


class FileCache:
    """Entries in ``directory`` (made if missing, private to its owner), at most ``max_bytes``.

    Safe across processes and threads: each write is one SQLite transaction, so a reader
    sees the old value or the new one, never part of either; the last write wins. Every
    value stays inside the database (none as loose files), so nothing can be torn apart.
    Expired entries, then the oldest stored, are dropped as new ones are written.

    A database file that is not a cache is refused when the cache is opened; a disk that
    fails later never fails a request: a read reads as a miss, a write is skipped, and
    both are logged (at most once a minute).
    """

    def __init__(self, directory: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES):
        if max_bytes < 1:
            raise ValueError("a cache must be able to hold at least one byte")
        self.directory = Path(directory)
        # Private: entries hold what the API serves, to readers with a key only.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        try:
            self._store = diskcache.Cache(
                str(self.directory),
                timeout=WRITE_WAIT,
                size_limit=max_bytes,
                disk_min_file_size=max_bytes + 1,  # every value in the database
                eviction_policy="least-recently-stored",
            )
        except sqlite3.DatabaseError as exc:
            raise OSError(
                f"{self.directory / diskcache.core.DBNAME} is not a cache database ({exc});"
                " remove it or choose another directory"
            ) from None
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._warned_at = -_WARN_EVERY

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, or None (absent, expired, unreadable)."""
        try:
            found = self._store.get(key)
        except _FAILURES as exc:
            self._warn("cannot read the cache in %s: %s", exc)
            found = None
        value = found if isinstance(found, bytes) else None
        with self._lock:
            if value is None:
                self._misses += 1
            else:
                self._hits += 1
        return value

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds, replacing any entry under ``key``."""
        try:
            if ttl <= 0 or len(key.encode()) + len(value) > self.max_bytes:
                self._store.delete(key)  # never kept; nor may the replaced value be found
            else:
                self._store.set(key, value, expire=ttl)
        except _FAILURES as exc:
            self._warn("cannot write to the cache in %s: %s", exc)

    def stats(self) -> CacheStats:
        """Hits and misses of this instance's lookups (other processes count their own)."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def prune(self) -> None:
        """Drop every expired entry, then the oldest stored until within ``max_bytes``."""
        try:
            self._store.expire()
            self._store.cull()
        except _FAILURES as exc:
            self._warn("cannot prune the cache in %s: %s", exc)

    def __len__(self) -> int:
        """How many entries are held, expired ones not yet dropped included."""
        return len(self._store)

    @property
    def size(self) -> int:
        """Bytes the cache takes on disk."""
        return int(self._store.volume())

    def close(self) -> None:
        """Close this thread's connection to the database (a later use reopens it)."""
        self._store.close()

    def _warn(self, message: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._warned_at < _WARN_EVERY:
                return
            self._warned_at = now
        log.warning(message, self.directory, exc)
