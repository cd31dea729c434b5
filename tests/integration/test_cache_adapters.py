"""The Cache port's contract, on every adapter: memory, files, and Redis (when configured)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import redis

from inventory.adapters.cache import FileCache, MemoryCache, RedisCache
from inventory.application.ports import Cache, CacheStats
from tests.integration.redis_server import PATIENT, redis_url, remove_keys, unique_prefix
from tests.waiting import wait_for


class SteppedClock:
    """Seconds since the epoch that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CacheMaker = Callable[[Path, SteppedClock], AbstractContextManager[Cache]]


@contextmanager
def memory_cache(tmp_path: Path, clock: SteppedClock) -> Iterator[Cache]:
    yield MemoryCache(clock=clock)


@contextmanager
def file_cache(tmp_path: Path, clock: SteppedClock) -> Iterator[Cache]:
    """On the real clock (diskcache reads ``time.time()``), whatever ``clock`` says."""
    yield FileCache(tmp_path / "cache")


@contextmanager
def redis_cache(tmp_path: Path, clock: SteppedClock) -> Iterator[Cache]:
    """On Redis's own clock: entries expire in Redis, whatever ``clock`` says."""
    url, prefix = redis_url(), unique_prefix("cache")
    cache = RedisCache(url, prefix=prefix, **PATIENT)
    try:
        yield cache
    finally:
        cache.close()
        remove_keys(url, prefix)


CACHES: dict[str, CacheMaker] = {
    "memory": memory_cache,
    "file": file_cache,
    "redis": redis_cache,
}
SHARED = ["file", "redis"]
"""The adapters whose instances on one store see each other's entries."""


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture(params=sorted(CACHES))
def cache(request: pytest.FixtureRequest, tmp_path: Path, clock: SteppedClock) -> Iterator[Cache]:
    """A fresh, empty cache of each kind in turn (on ``clock``, but for Redis)."""
    with CACHES[request.param](tmp_path, clock) as made:
        yield made


def let_pass(cache: Cache, clock: SteppedClock, seconds: float) -> None:
    """Move the cache's clock on by ``seconds``: ours, or wait until the real one (file) or
    Redis's has."""
    if isinstance(cache, FileCache):
        start = time.time()
        wait_for(lambda: time.time() > start + seconds, "the clock moving on", timeout=10)
        return
    if not isinstance(cache, RedisCache):
        clock.advance(seconds)
        return
    server = redis.Redis.from_url(cache.url)
    try:
        start = redis_seconds(server)
        # Redis keeps expiry times in whole milliseconds, and one is still live at its own.
        wait_for(
            lambda: redis_seconds(server) > start + seconds + 0.001,
            "Redis's clock moving on",
            timeout=10,
            every=0.01,
        )
    finally:
        server.close()


def redis_seconds(server: redis.Redis) -> float:
    seconds, microseconds = server.time()
    return seconds + microseconds / 1e6


def twin(cache: Cache) -> Cache:
    """Another instance on the same store as ``cache``."""
    if isinstance(cache, FileCache):
        return FileCache(cache.directory)
    assert isinstance(cache, RedisCache)
    return RedisCache(cache.url, prefix=cache.prefix, **PATIENT)


def test_a_value_is_found_under_its_key_and_replaced_by_a_later_one(cache: Cache) -> None:
    cache.set("product:SKU-1@7", b'{"sku": "SKU-1"}', ttl=60)
    first = cache.get("product:SKU-1@7")
    cache.set("product:SKU-1@7", b'{"sku": "SKU-1", "name": "Bolt"}', ttl=60)

    assert first == b'{"sku": "SKU-1"}'
    assert cache.get("product:SKU-1@7") == b'{"sku": "SKU-1", "name": "Bolt"}'
    assert cache.get("product:SKU-2@7") is None


def test_a_value_is_gone_once_its_ttl_has_passed(cache: Cache, clock: SteppedClock) -> None:
    cache.set("short", b"v", ttl=0.05)

    let_pass(cache, clock, 0.05)

    assert cache.get("short") is None


def test_a_value_is_kept_until_the_end_of_its_ttl(tmp_path: Path, clock: SteppedClock) -> None:
    # The memory cache alone runs on a clock a test can step to the edge of a TTL; the
    # file cache's expiry (diskcache's, on the real clock) is tested in test_file_cache.py.
    with memory_cache(tmp_path, clock) as cache:
        cache.set("k", b"v", ttl=60)
        clock.advance(59.9)
        kept = cache.get("k")
        clock.advance(0.1)

        assert (kept, cache.get("k")) == (b"v", None)


def test_a_ttl_of_zero_keeps_nothing_and_forgets_the_old_value(cache: Cache) -> None:
    cache.set("k", b"old", ttl=60)
    cache.set("new", b"v", ttl=0)

    cache.set("k", b"replacement", ttl=0)

    assert cache.get("k") is None
    assert cache.get("new") is None


def test_values_are_bytes_kept_exactly_under_any_text_key(cache: Cache) -> None:
    value = bytes(range(256)) * 40 + b"\n\x00"

    cache.set("bytes \u00e9\n", value, ttl=60)
    cache.set("", b"empty key", ttl=60)
    cache.set("nothing", b"", ttl=60)

    assert cache.get("bytes \u00e9\n") == value
    assert cache.get("bytes \u00e9") is None
    assert cache.get("") == b"empty key"
    assert cache.get("nothing") == b""


def test_long_keys_that_differ_only_at_the_end_keep_their_own_values(cache: Cache) -> None:
    stem = "listing:" + "q" * 1000

    cache.set(stem + "1", b"one", ttl=60)
    cache.set(stem + "2", b"two", ttl=60)

    assert (cache.get(stem + "1"), cache.get(stem + "2"), cache.get(stem)) == (b"one", b"two", None)


def test_stats_count_every_lookup_as_a_hit_or_a_miss(cache: Cache) -> None:
    cache.set("k", b"v", ttl=60)

    cache.get("k")
    cache.get("k")
    cache.get("absent")

    assert cache.stats() == CacheStats(hits=2, misses=1)


@pytest.mark.parametrize("cache", SHARED, indirect=True)
def test_instances_on_one_store_share_their_entries_not_their_stats(cache: Cache) -> None:
    other = twin(cache)

    cache.set("k", b"shared", ttl=60)
    found = other.get("k")
    other.set("k", b"replaced", ttl=60)

    assert (found, cache.get("k")) == (b"shared", b"replaced")
    assert other.stats() == CacheStats(hits=1, misses=0)
    assert cache.stats() == CacheStats(hits=1, misses=0)


def test_threads_sharing_one_cache_see_whole_values_and_every_lookup_counted(
    cache: Cache,
) -> None:
    threads, rounds = 8, 200
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            for i in range(rounds):
                key = f"k{(n * 7 + i) % 20}"
                found = cache.get(key)
                assert found is None or found == key.encode() * 100
                cache.set(key, key.encode() * 100, ttl=60)
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    stats = cache.stats()
    assert stats.hits + stats.misses == threads * rounds
