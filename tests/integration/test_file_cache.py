"""The file cache on a real directory: atomic, shared between instances, expiring, bounded."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from inventory.adapters.cache import FileCache
from inventory.application.ports import Cache, CacheStats


class FakeClock:
    """Seconds since the epoch that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def entries(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.name.endswith(".entry"))


def test_the_directory_is_made_if_missing(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "cache"

    FileCache(directory)

    assert directory.is_dir()
    assert directory.stat().st_mode & 0o777 == 0o700


def test_a_value_is_found_until_its_ttl_has_passed(tmp_path: Path, clock: FakeClock) -> None:
    cache: Cache = FileCache(tmp_path, clock=clock)
    cache.set("product:SKU-1@7", b'{"sku": "SKU-1"}', ttl=30)

    clock.now += 29
    before = cache.get("product:SKU-1@7")
    clock.now += 1
    after = cache.get("product:SKU-1@7")

    assert before == b'{"sku": "SKU-1"}'
    assert after is None
    assert entries(tmp_path) == []  # the expired file went when it was met


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
    assert entries(tmp_path) == []


def test_values_are_bytes_kept_exactly(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    value = bytes(range(256)) * 40 + b"\n\x00"

    cache.set("bytes \u00e9\n", value, ttl=60)

    assert cache.get("bytes \u00e9\n") == value
    assert cache.get("bytes \u00e9") is None


def test_a_torn_or_foreign_file_reads_as_a_miss(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    cache.set("torn", b"0123456789" * 10, ttl=60)
    cache.set("foreign", b"x", ttl=60)
    (torn,) = [p for p in entries(tmp_path) if p.stat().st_size > 100]
    torn.write_bytes(torn.read_bytes()[:-5])
    (foreign,) = [p for p in entries(tmp_path) if p != torn]
    foreign.write_bytes(b"not a cache entry")

    assert cache.get("torn") is None
    assert cache.get("foreign") is None
    assert entries(tmp_path) == []


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
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith(".entry")]


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
    assert len(entries(tmp_path)) == 10


def test_pruning_removes_expired_entries_first(tmp_path: Path, clock: FakeClock) -> None:
    cache = FileCache(tmp_path, clock=clock)
    cache.set("short", b"x", ttl=10)
    cache.set("long", b"y", ttl=100)
    clock.now += 50

    cache.prune()

    assert len(entries(tmp_path)) == 1
    assert cache.get("long") == b"y"


def test_writing_past_the_bound_prunes_the_entries_nearest_to_expiry(
    tmp_path: Path, clock: FakeClock
) -> None:
    cache = FileCache(tmp_path, max_entries=20, clock=clock)

    for n in range(40):
        cache.set(f"k{n}", b"v", ttl=100 + n)

    kept = [n for n in range(40) if cache.get(f"k{n}") is not None]
    assert len(entries(tmp_path)) <= 20
    assert kept == list(range(40 - len(kept), 40))


def test_the_byte_bound_holds_too(tmp_path: Path, clock: FakeClock) -> None:
    cache = FileCache(tmp_path, max_bytes=50_000, clock=clock)

    for n in range(100):
        cache.set(f"k{n}", bytes(1_000), ttl=100 + n)

    total = sum(path.stat().st_size for path in entries(tmp_path))
    assert total <= 50_000 + 10 * 1_100  # within a tenth of the bound of writes since a prune
    assert cache.get("k99") is not None
    assert cache.get("k0") is None


def test_a_temporary_file_left_by_a_dead_writer_is_cleared_by_pruning(
    tmp_path: Path, clock: FakeClock
) -> None:
    cache = FileCache(tmp_path, clock=clock)
    abandoned = tmp_path / ".tmp-abandoned"
    abandoned.write_bytes(b"half")
    recent = tmp_path / ".tmp-recent"
    recent.write_bytes(b"half")
    os.utime(abandoned, (clock.now - 3600, clock.now - 3600))
    os.utime(recent, (clock.now, clock.now))

    cache.prune()

    assert not abandoned.exists()
    assert recent.exists()


def test_a_directory_that_cannot_be_read_gives_misses_not_errors(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "cache")
    cache.set("k", b"v", ttl=60)
    (tmp_path / "cache").rename(tmp_path / "gone")
    (tmp_path / "cache").write_text("a file where the directory was")

    cache.set("k", b"w", ttl=60)

    assert cache.get("k") is None
