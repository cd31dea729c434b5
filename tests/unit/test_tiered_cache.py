"""A cache in this process in front of a shared one: what each tier holds and what it counts."""

from __future__ import annotations

from inventory.adapters.cache import MemoryCache, TieredCache
from inventory.application.ports import CacheStats

NEAR_TTL = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tiers() -> tuple[TieredCache, MemoryCache, MemoryCache, Clock]:
    clock = Clock()
    near, far = MemoryCache(clock=clock), MemoryCache(clock=clock)
    return TieredCache(near, far, near_ttl=NEAR_TTL), near, far, clock


def test_a_value_set_is_kept_in_both_tiers() -> None:
    cache, near, far, _ = tiers()

    cache.set("product:A@7", b"a", ttl=30)

    assert near.get("product:A@7") == far.get("product:A@7") == b"a"


def test_a_value_another_process_set_is_found_far_then_kept_near() -> None:
    cache, near, far, _ = tiers()
    far.set("product:A@7", b"a", ttl=30)  # as another process's cache would

    assert cache.get("product:A@7") == b"a"
    assert near.get("product:A@7") == b"a"


def test_the_near_copy_lives_no_longer_than_its_own_ttl() -> None:
    cache, near, _far, clock = tiers()
    cache.set("product:A@7", b"a", ttl=30)

    clock.now = NEAR_TTL + 1

    assert near.get("product:A@7") is None
    assert cache.get("product:A@7") == b"a"  # still far, for the rest of its 30 s


def test_a_short_ttl_is_kept_near_no_longer_than_far() -> None:
    cache, near, _far, clock = tiers()
    cache.set("product:A@7", b"a", ttl=1)

    clock.now = 2

    assert near.get("product:A@7") is None
    assert cache.get("product:A@7") is None


def test_a_lookup_is_a_hit_in_either_tier_and_a_miss_only_in_neither() -> None:
    cache, _near, far, _ = tiers()
    far.set("far-only", b"f", ttl=30)
    cache.set("both", b"b", ttl=30)

    cache.get("both")  # near hit
    cache.get("far-only")  # near miss, far hit
    cache.get("nowhere")  # miss in both

    assert cache.stats() == CacheStats(hits=2, misses=1)
