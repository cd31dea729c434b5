"""The file cache on a real directory: atomic, shared between instances, expiring, bounded."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from inventory.adapters.cache import FileCache
from inventory.application.ports import Cache, CacheStats

PATIENCE = 10.0


def gone(cache: Cache, key: str) -> float:
    """Seconds until ``key`` no longer reads (polled, at most PATIENCE)."""
    started = time.monotonic()
    while cache.get(key) is not None:
        assert time.monotonic() - started < PATIENCE, f"{key!r} never expired"
        time.sleep(0.01)
    return time.monotonic() - started


def test_the_directory_is_made_if_missing(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "cache"

    FileCache(directory)

    assert directory.is_dir()
    assert directory.stat().st_mode & 0o777 == 0o700


def test_a_value_is_found_until_its_ttl_has_passed(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    before = time.time()  # the clock the entries' expiry is on
    cache.set("product:SKU-1@7", b'{"sku": "SKU-1"}', ttl=1.0)

    found = cache.get("product:SKU-1@7")
    gone(cache, "product:SKU-1@7")

    assert found == b'{"sku": "SKU-1"}'
    assert time.time() - before >= 1.0


def test_two_instances_on_one_directory_share_their_entries(tmp_path: Path) -> None:
    writer, reader = FileCache(tmp_path), FileCache(tmp_path)

    writer.set("k", b"shared", ttl=60)
    writer.set("k", b"replaced", ttl=60)

    assert reader.get("k") == b"replaced"
    assert reader.stats() == CacheStats(hits=1, misses=0)
    assert writer.stats() == CacheStats(hits=0, misses=0)


def test_a_ttl_of_zero_removes_the_entry(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    cache.set("k", b"v", ttl=60)

    cache.set("k", b"v", ttl=0)

    assert cache.get("k") is None
    assert len(cache) == 0


def test_values_are_bytes_kept_exactly(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    value = bytes(range(256)) * 400 + b"\n\x00"  # past diskcache's own threshold for files

    cache.set("bytes \u00e9\n", value, ttl=60)

    assert cache.get("bytes \u00e9\n") == value
    assert cache.get("bytes \u00e9") is None
    assert [path.name for path in tmp_path.iterdir() if path.is_dir()] == []  # no loose files


def test_a_value_larger_than_the_whole_cache_is_not_kept_nor_is_the_one_it_replaces(
    tmp_path: Path,
) -> None:
    cache = FileCache(tmp_path, max_bytes=1_000_000)
    cache.set("big", b"small", ttl=60)

    cache.set("big", bytes(1_000_001), ttl=60)

    assert cache.get("big") is None


def test_a_reader_never_sees_part_of_a_value_while_writers_replace_it(tmp_path: Path) -> None:
    values = [bytes([n]) * 200_000 for n in range(1, 4)]
    cache = FileCache(tmp_path)
    cache.set("hot", values[0], ttl=60)
    stop = threading.Event()
    seen: list[bytes | None] = []

    def write(n: int) -> None:
        other = FileCache(tmp_path)
        while not stop.is_set():
            other.set("hot", values[n], ttl=60)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(300):
            seen.append(cache.get("hot"))
    finally:
        stop.set()
        for writer in writers:
            writer.join()

    assert all(value in values for value in seen)


def _whole(value: bytes) -> bool:
    unit = value.split(b";")[0] + b";"
    return value == unit * 100


def _hammer(directory: str, n: int) -> None:
    """One process of several writing and reading the same ten keys."""
    cache = FileCache(directory)
    for i in range(200):
        cache.set(f"key-{i % 10}", f"{n}:{i};".encode() * 100, ttl=60)
        found = cache.get(f"key-{(i + 3) % 10}")
        if found is not None and not _whole(found):
            raise SystemExit(3)


def test_processes_writing_the_same_keys_leave_whole_entries(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(str(tmp_path), n)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    cache = FileCache(tmp_path)
    for i in range(10):
        value = cache.get(f"key-{i}")
        assert value is not None
        assert _whole(value)
    assert len(cache) == 10


def test_pruning_removes_expired_entries(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    cache.set("short", b"x", ttl=0.05)
    cache.set("long", b"y", ttl=100)
    gone(cache, "short")

    cache.prune()

    assert len(cache) == 1
    assert cache.get("long") == b"y"


def test_writing_past_the_byte_bound_drops_the_oldest_entries(tmp_path: Path) -> None:
    cache = FileCache(tmp_path, max_bytes=1_000_000)

    for n in range(100):
        cache.set(f"k{n}", bytes(30_000), ttl=100)  # 3 MB in all

    assert cache.size <= 1_000_000 + 10 * 31_000  # at most a cull's worth of entries over
    assert cache.get("k99") is not None
    assert cache.get("k0") is None
    kept = [n for n in range(100) if cache.get(f"k{n}") is not None]
    assert kept == list(range(100 - len(kept), 100))


def test_a_foreign_file_in_place_of_the_database_is_refused_and_left_alone(
    tmp_path: Path,
) -> None:
    foreign = tmp_path / "cache.db"
    foreign.write_bytes(b"not a cache database " * 10)

    with pytest.raises(OSError, match=r"cache\.db is not a cache database.*remove it"):
        FileCache(tmp_path)

    assert foreign.read_bytes() == b"not a cache database " * 10


def test_a_directory_that_fails_later_gives_misses_not_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = FileCache(tmp_path / "cache")
    cache.set("k", b"v", ttl=60)
    cache.close()
    (tmp_path / "cache").rename(tmp_path / "gone")
    (tmp_path / "cache").write_text("a file where the directory was")

    with caplog.at_level(logging.WARNING, logger="inventory.cache"):
        cache.set("k", b"w", ttl=60)
        found = cache.get("k")

    assert found is None
    assert cache.stats() == CacheStats(hits=0, misses=1)
    assert "cannot write to the cache" in caplog.text
