"""The cache and id adapters as they were before libraries replaced them, for bench/cache.py only.

Copied from inventory/adapters/cache/memory.py, file.py and ids.py (renamed, bodies unchanged)
so that one run measures old and new side by side; see docs/adr/0001-cache-and-id-libraries.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from inventory.application.ports import CacheStats

MEMORY_MAX_ENTRIES = 10_000
MEMORY_MAX_BYTES = 64 * 1024 * 1024


class LegacyMemoryCache:
    """A TTL + LRU cache of at most ``max_entries`` entries and ``max_bytes`` of keys and values.

    One lock guards everything, so the threads of a worker may share it; each
    operation holds it for a dictionary lookup or two. ``clock`` gives seconds
    on any monotonic scale (tests pass a fake one).
    """

    def __init__(
        self,
        max_entries: int = MEMORY_MAX_ENTRIES,
        max_bytes: int = MEMORY_MAX_BYTES,
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
        size = _memory_size(key, value)
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
            self._bytes -= _memory_size(key, entry[1])


def _memory_size(key: str, value: bytes) -> int:
    return len(key.encode()) + len(value)


FILE_MAX_ENTRIES = 100_000
FILE_MAX_BYTES = 256 * 1024 * 1024

log = logging.getLogger("inventory.cache")

# magic, expires at (seconds since the epoch), key length, value length
_HEADER = struct.Struct(">4sdIQ")
_MAGIC = b"INC1"
_SUFFIX = ".entry"
_TEMPORARY = ".tmp-"
# A temporary file this old was left by a writer that died before renaming it.
_ABANDONED_AFTER = 60.0
_WARN_EVERY = 60.0


class LegacyFileCache:
    """Entries as files named by a hash of their key, under ``directory``.

    Safe across processes and threads: an entry is written whole to a
    temporary file and renamed over the old one (``os.replace`` is atomic), so
    a reader sees the old entry or the new one, never part of either; when
    several processes write one key, the last rename wins. Each file carries
    its key, its expiry and its lengths, so an expired, foreign or torn file
    reads as a miss (and expired or torn ones are removed).

    Bounded: once this instance has written a tenth of a bound since it last
    looked, it removes expired files, then those nearest to expiry, until the
    directory is back under three quarters of ``max_bytes`` and ``max_entries``.
    A file's modification time is set to its expiry so that pruning needs no
    reads. ``clock`` gives seconds since the epoch: processes must agree on it.

    A failing disk never fails a read: an error reads as a miss, a write that
    cannot be made is skipped, and both are logged (at most once a minute).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_entries: int = FILE_MAX_ENTRIES,
        max_bytes: int = FILE_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache must be able to hold at least one entry and one byte")
        self.directory = Path(directory)
        # Private: entries hold what the API serves, to readers with a key only.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._written_bytes = 0
        self._written_entries = 0
        self._warned_at = -_WARN_EVERY

    def get(self, key: str) -> bytes | None:
        """The live value under ``key``, or None (absent, expired, unreadable)."""
        value = self._read(key)
        with self._lock:
            if value is None:
                self._misses += 1
            else:
                self._hits += 1
        return value

    def set(self, key: str, value: bytes, ttl: float) -> None:
        """Write ``value`` for ``ttl`` seconds (atomically replacing any entry under ``key``)."""
        path = self._path(key)
        if ttl <= 0:
            self._remove(path)
            return
        expires = self._clock() + ttl
        encoded = key.encode()
        data = _HEADER.pack(_MAGIC, expires, len(encoded), len(value)) + encoded + value
        try:
            self._write(path, data, expires)
        except OSError as exc:
            self._warn("cannot write a cache entry in %s: %s", exc)
            return
        with self._lock:
            self._written_bytes += len(data)
            self._written_entries += 1
            due = (
                self._written_bytes > self.max_bytes // 10
                or self._written_entries > self.max_entries // 10
            )
            if due:
                self._written_bytes = self._written_entries = 0
        if due:
            self.prune()

    def stats(self) -> CacheStats:
        """Hits and misses of this instance's lookups (other processes count their own)."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def prune(self) -> None:
        """Remove expired entries, then those nearest to expiry, until well within both bounds."""
        now = self._clock()
        entries: list[tuple[float, int, str]] = []
        total = 0
        try:
            with os.scandir(self.directory) as found:
                for entry in found:
                    try:
                        stat = entry.stat()
                    except FileNotFoundError:
                        continue  # removed by another process meanwhile
                    if entry.name.startswith(_TEMPORARY):
                        if stat.st_mtime < now - _ABANDONED_AFTER:
                            self._remove(Path(entry.path))
                    elif entry.name.endswith(_SUFFIX):
                        entries.append((stat.st_mtime, stat.st_size, entry.path))
                        total += stat.st_size
        except OSError as exc:
            self._warn("cannot prune the cache in %s: %s", exc)
            return
        entries.sort()
        count = len(entries)
        byte_target, count_target = self.max_bytes * 3 // 4, self.max_entries * 3 // 4
        over = total > self.max_bytes or count > self.max_entries
        for expires, size, path in entries:
            expired = expires <= now
            if not expired and not (over and (total > byte_target or count > count_target)):
                break
            self._remove(Path(path))
            total -= size
            count -= 1

    def _read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn("cannot read a cache entry in %s: %s", exc)
            return None
        encoded = key.encode()
        if len(data) < _HEADER.size:
            self._remove(path)  # torn (a crash before the data reached the disk)
            return None
        magic, expires, key_length, value_length = _HEADER.unpack_from(data)
        start = _HEADER.size + key_length
        if magic != _MAGIC or len(data) != start + value_length:
            self._remove(path)
            return None
        if data[_HEADER.size : start] != encoded:
            return None  # another key with the same hash: leave its entry be
        if expires <= self._clock():
            self._remove(path)
            return None
        return data[start:]

    def _write(self, path: Path, data: bytes, expires: float) -> None:
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=_TEMPORARY)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
            os.utime(temporary, (expires, expires))
            os.replace(temporary, path)
        except BaseException:
            self._remove(Path(temporary))
            raise

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest() + _SUFFIX)

    def _remove(self, path: Path) -> None:
        # Another process may have removed (or replaced) it first; either is fine.
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            self._warn("cannot remove a cache entry in %s: %s", exc)

    def _warn(self, message: str, exc: OSError) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._warned_at < _WARN_EVERY:
                return
            self._warned_at = now
        log.warning(message, self.directory, exc)


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_LIMIT = 1 << _RANDOM_BITS
_LENGTH = 26


class _MonotonicUlids:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def reset(self) -> None:
        # A forked worker must not continue its parent's random sequence, or two
        # workers could both increment the same value within one millisecond.
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def next(self) -> str:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                ms, random = now_ms, int.from_bytes(os.urandom(10), "big")
            else:
                # Same millisecond, or the wall clock stepped back: stay on the
                # last timestamp and count up so the order still holds.
                ms, random = self._last_ms, self._last_random + 1
                if random == _RANDOM_LIMIT:
                    ms, random = ms + 1, int.from_bytes(os.urandom(10), "big")
            self._last_ms, self._last_random = ms, random
        return _encode((ms << _RANDOM_BITS) | random)


# Two base32 digits per lookup: ids are made once per movement, so the 26-digit
# encoding is on the bulk-import path.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def _encode(value: int) -> str:
    # 26 digits = 13 pairs of 10 bits, most significant first.
    pairs = _PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in range(120, -1, -10)])


_ULIDS = _MonotonicUlids()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ULIDS.reset)


def legacy_new_id() -> str:
    """A new 26-character id that sorts after every id this process made before."""
    return _ULIDS.next()
