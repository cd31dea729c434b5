"""A cache in this process in front of a shared one (Redis): the hot entries cost no round trip."""

from __future__ import annotations

from inventory.application.ports import Cache, CacheStats


class TieredCache:
    """``near`` (this process's memory) first, then ``far`` (shared by every process).

    Keeping a copy near is safe because an entry never changes meaning: its
    key carries the data versions it was read at, and a write moves every
    later read of what it touched on to new versions, hence new keys. A copy found far is
    kept near for ``near_ttl`` seconds.
    """

    def __init__(self, near: Cache, far: Cache, near_ttl: float) -> None:
        self.near = near
        self.far = far
        self.near_ttl = near_ttl

    def get(self, key: str) -> bytes | None:
        found = self.near.get(key)
        if found is None:
            found = self.far.get(key)
            if found is not None:
                self.near.set(key, found, self.near_ttl)
        return found

    def set(self, key: str, value: bytes, ttl: float) -> None:
        self.near.set(key, value, min(ttl, self.near_ttl))
        self.far.set(key, value, ttl)

    def stats(self) -> CacheStats:
        """A lookup is a hit if either tier had the entry, a miss if neither had."""
        near, far = self.near.stats(), self.far.stats()
        return CacheStats(hits=near.hits + far.hits, misses=far.misses)
