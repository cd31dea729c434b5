"""The in-memory cache: entries live for their TTL, the least recently used go first."""

from __future__ import annotations

import threading

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.application.ports import Cache, CacheStats


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_value_is_found_until_its_ttl_has_passed(clock: FakeClock) -> None:
    cache: Cache = MemoryCache(clock=clock)
    cache.set("product:SKU-1", b"bolt", ttl=30)

    clock.now += 29.9
    found_before = cache.get("product:SKU-1")
    clock.now += 0.1
    found_at_expiry = cache.get("product:SKU-1")

    assert found_before == b"bolt"
    assert found_at_expiry is None


def test_an_expired_entry_is_dropped_when_met(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("product:SKU-1", b"bolt", ttl=1)
    clock.now += 5

    cache.get("product:SKU-1")

    assert len(cache) == 0
    assert cache.size == 0


def test_setting_a_key_again_replaces_its_value_and_its_expiry(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("k", b"old", ttl=1)
    cache.set("k", b"newer", ttl=10)

    clock.now += 5

    assert cache.get("k") == b"newer"
    assert cache.size == len("k") + len("newer")


def test_a_ttl_of_zero_keeps_nothing_and_forgets_the_old_value(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("k", b"old", ttl=10)

    cache.set("k", b"new", ttl=0)

    assert cache.get("k") is None


def test_the_least_recently_used_entry_goes_first_at_the_entry_bound(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=3, clock=clock)
    for key in ("a", "b", "c"):
        cache.set(key, key.encode(), ttl=60)
    cache.get("a")  # now "b" is the least recently used

    cache.set("d", b"d", ttl=60)

    assert [cache.get(key) for key in ("a", "b", "c", "d")] == [b"a", None, b"c", b"d"]
    assert len(cache) == 3


def test_entries_are_evicted_to_stay_within_the_byte_bound(clock: FakeClock) -> None:
    cache = MemoryCache(max_bytes=100, clock=clock)
    for n in range(5):
        cache.set(f"k{n}", bytes(30), ttl=60)  # 32 bytes each with the key

    assert cache.size <= 100
    assert [cache.get(f"k{n}") is not None for n in range(5)] == [False, False, True, True, True]


def test_a_value_larger_than_the_whole_cache_is_not_kept_nor_is_the_one_it_replaces(
    clock: FakeClock,
) -> None:
    cache = MemoryCache(max_bytes=100, clock=clock)
    cache.set("big", b"small", ttl=60)
    cache.set("other", b"x", ttl=60)

    cache.set("big", bytes(200), ttl=60)

    assert cache.get("big") is None
    assert cache.get("other") == b"x"


def test_stats_count_every_lookup_as_a_hit_or_a_miss(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("k", b"v", ttl=10)

    cache.get("k")
    cache.get("k")
    cache.get("absent")
    clock.now += 10
    cache.get("k")

    assert cache.stats() == CacheStats(hits=2, misses=2)


def test_threads_hammering_one_cache_keep_its_bounds_and_its_counts() -> None:
    cache = MemoryCache(max_entries=50, max_bytes=2_000)
    threads, rounds = 8, 2_000
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            for i in range(rounds):
                key = f"k{(n * 7 + i) % 120}"
                found = cache.get(key)
                assert found is None or found == key.encode() * 3
                cache.set(key, key.encode() * 3, ttl=60)
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert len(cache) <= 50
    assert 0 < cache.size <= 2_000
    stats = cache.stats()
    assert stats.hits + stats.misses == threads * rounds
    held = [key for key in (f"k{n}" for n in range(120)) if cache.get(key) is not None]
    assert cache.size == sum(len(key) * 4 for key in held)


def test_a_cache_that_can_hold_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        MemoryCache(max_entries=0)
