"""Ids and API key secrets.

Ids are ULID-style: 48 bits of milliseconds since the epoch, then 80 random
bits, as 26 Crockford base32 characters. Within one process they are
monotonic, so an id made later always sorts after one made earlier and the
ledger's (created_at, id) order is the order of recording.
"""

from __future__ import annotations

import os
import secrets
import threading
import time

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


def new_id() -> str:
    """A new 26-character id that sorts after every id this process made before."""
    return _ULIDS.next()


def new_secret() -> str:
    """A new unguessable API key secret."""
    return "inv_" + secrets.token_urlsafe(32)
