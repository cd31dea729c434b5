"""The RateLimiter port's contract, on every adapter; and what only the host adapter promises.

The Redis adapter joins when ``INVENTORY_TEST_REDIS_URL`` names a server (it
skips otherwise); what only it promises is in ``test_redis_adapters.py``.
"""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from inventory.adapters.rate_limits import HostRateLimiter, MemoryRateLimiter, RedisRateLimiter
from inventory.application.ports import RateLimiter
from inventory.application.rate_limits import Rate
from inventory.bootstrap import open_rate_limiter, open_storage
from inventory.config import ConfigError, Settings
from tests.integration.redis_server import PATIENT, redis_url, unique_prefix

RATE = Rate(5, 60)
START = 1_800_000_000.0  # a window edge: 30_000_000 minutes after the epoch


class Seconds:
    """A clock in seconds that moves only when told."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


LimiterMaker = Callable[[Rate, Path, Seconds], RateLimiter]

ADAPTERS: dict[str, LimiterMaker] = {
    "memory": lambda rate, tmp_path, clock: MemoryRateLimiter(rate, clock),
    "host": lambda rate, tmp_path, clock: HostRateLimiter(rate, tmp_path / "rl.sqlite", clock),
    # Its keys lapse by themselves, two windows after their last hit.
    "redis": lambda rate, tmp_path, clock: RedisRateLimiter(
        rate, redis_url(), clock, prefix=unique_prefix("rate"), **PATIENT
    ),
}


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture(params=sorted(ADAPTERS))
def limiter(request: pytest.FixtureRequest, tmp_path: Path, clock: Seconds) -> RateLimiter:
    made: RateLimiter = ADAPTERS[request.param](RATE, tmp_path, clock)
    return made


# --- the contract ----------------------------------------------------------------------------


def test_the_limit_is_allowed_then_refused(limiter: RateLimiter) -> None:
    decisions = [limiter.hit("key:a") for _ in range(RATE.limit + 2)]

    assert [d.allowed for d in decisions] == [True] * RATE.limit + [False, False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0, 0]
    assert all(d.limit == RATE.limit for d in decisions)
    assert decisions[-1].retry_after == 61


def test_each_key_has_its_own_budget(limiter: RateLimiter) -> None:
    for _ in range(RATE.limit):
        limiter.hit("key:a")

    assert not limiter.hit("key:a").allowed
    assert limiter.hit("key:b").remaining == RATE.limit - 1


def test_the_budget_returns_as_the_window_slides(limiter: RateLimiter, clock: Seconds) -> None:
    for _ in range(RATE.limit):
        limiter.hit("key:a")
    refused = limiter.hit("key:a")

    clock.now += refused.retry_after

    assert limiter.hit("key:a").allowed


def test_after_two_idle_windows_a_key_has_its_whole_budget(
    limiter: RateLimiter, clock: Seconds
) -> None:
    for _ in range(RATE.limit):
        limiter.hit("key:a")

    clock.now += 2 * RATE.window

    assert limiter.hit("key:a").remaining == RATE.limit - 1


# --- pruning -----------------------------------------------------------------------------------


def test_the_memory_limiter_forgets_keys_idle_for_two_windows(clock: Seconds) -> None:
    limiter = MemoryRateLimiter(RATE, clock)
    limiter.hit("key:a")
    limiter.hit("key:b")
    clock.now += RATE.window
    limiter.hit("key:c")
    assert len(limiter) == 3  # a and b still weigh in this window

    clock.now += RATE.window
    limiter.hit("key:d")

    assert len(limiter) == 2  # c (previous window) and d


def count_rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM rate_limit_counts").fetchone()
    conn.close()
    return int(count)


def test_the_host_limiter_deletes_rows_idle_for_two_windows(tmp_path: Path, clock: Seconds) -> None:
    path = tmp_path / "rl.sqlite"
    limiter = HostRateLimiter(RATE, path, clock)
    for n in range(50):
        limiter.hit(f"key:{n}")
    clock.now += RATE.window
    limiter.hit("key:late")
    assert count_rows(path) == 51

    clock.now += RATE.window
    limiter.hit("key:later")

    assert count_rows(path) == 2


# --- the host adapter: one budget for every process -------------------------------------------


def test_two_limiters_on_one_file_share_the_budget(tmp_path: Path, clock: Seconds) -> None:
    path = tmp_path / "rl.sqlite"
    first, second = HostRateLimiter(RATE, path, clock), HostRateLimiter(RATE, path, clock)

    allowed = [(first if n % 2 else second).hit("key:a").allowed for n in range(2 * RATE.limit)]

    assert allowed == [True] * RATE.limit + [False] * RATE.limit
    assert not first.hit("key:a").allowed
    assert second.hit("key:b").allowed


def test_a_restarted_limiter_keeps_counting_where_it_left_off(
    tmp_path: Path, clock: Seconds
) -> None:
    path = tmp_path / "rl.sqlite"
    before = HostRateLimiter(RATE, path, clock)
    for _ in range(RATE.limit - 1):
        before.hit("key:a")
    before.close()

    after = HostRateLimiter(RATE, path, clock)

    assert after.hit("key:a").remaining == 0
    assert not after.hit("key:a").allowed


def test_a_file_another_process_is_setting_up_is_waited_for_not_let_through(
    tmp_path: Path, clock: Seconds, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While another connection holds a write lock on a file not yet in WAL mode,
    # SQLite refuses the switch to WAL at once, without its busy handler: two
    # processes hitting a new file together used to let one hit through uncounted.
    path = tmp_path / "rl.sqlite"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE set_up_elsewhere (x)")
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the other process finishes while this one waits
        pauses.append(seconds)
        if other.in_transaction:
            other.execute("COMMIT")

    monkeypatch.setattr(time, "sleep", pause)  # the pause between its tries
    limiter = HostRateLimiter(RATE, path, clock)

    assert limiter.hit("key:a").remaining == RATE.limit - 1
    assert pauses
    assert HostRateLimiter(RATE, path, clock).hit("key:a").remaining == RATE.limit - 2
    other.close()


def _hammer(path: str, hits: int) -> int:
    """Hit one key ``hits`` times from a process of its own: how many were allowed."""
    limiter = HostRateLimiter(Rate(100, 3600), path, lambda: START)
    return sum(limiter.hit("key:shared").allowed for _ in range(hits))


def test_processes_hitting_at_once_never_grant_more_than_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "rl.sqlite")
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        allowed = list(pool.map(_hammer, [path] * 4, [60] * 4))

    assert sum(allowed) == 100


def test_the_file_is_only_created_by_the_first_hit(tmp_path: Path, clock: Seconds) -> None:
    path = tmp_path / "rl.sqlite"
    limiter = HostRateLimiter(RATE, path, clock)
    assert not path.exists()

    limiter.hit("key:a")

    assert path.exists()


# --- the host adapter fails open ---------------------------------------------------------------


def test_when_the_file_cannot_be_opened_requests_are_let_through_with_a_warning(
    tmp_path: Path, clock: Seconds, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = HostRateLimiter(RATE, tmp_path / "missing" / "rl.sqlite", clock)

    with caplog.at_level(logging.WARNING, logger="inventory.rate_limit"):
        decisions = [limiter.hit("key:a") for _ in range(3 * RATE.limit)]

    assert all(d.allowed and d.remaining == RATE.limit for d in decisions)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # not one per request
    assert "not limiting" in warnings[0].getMessage()


def test_when_the_file_is_not_a_database_requests_are_let_through(
    tmp_path: Path, clock: Seconds
) -> None:
    path = tmp_path / "rl.sqlite"
    path.write_bytes(b"this is not an SQLite database, just some bytes " * 100)
    limiter = HostRateLimiter(RATE, path, clock)

    assert all(limiter.hit("key:a").allowed for _ in range(3 * RATE.limit))


def test_when_the_lock_is_held_too_long_requests_are_let_through(
    tmp_path: Path, clock: Seconds
) -> None:
    path = tmp_path / "rl.sqlite"
    limiter = HostRateLimiter(RATE, path, clock, busy_timeout_ms=20)
    limiter.hit("key:a")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        assert all(limiter.hit("key:a").allowed for _ in range(2 * RATE.limit))
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # Once the lock is free the counting resumes where it was.
    assert limiter.hit("key:a").remaining == RATE.limit - 2


def test_a_limiter_that_failed_open_counts_again_once_the_file_is_usable(
    tmp_path: Path, clock: Seconds
) -> None:
    directory = tmp_path / "later"
    limiter = HostRateLimiter(RATE, directory / "rl.sqlite", clock)
    assert limiter.hit("key:a").remaining == RATE.limit

    directory.mkdir()

    assert limiter.hit("key:a").remaining == RATE.limit - 1


# --- wiring ------------------------------------------------------------------------------------


def limiter_for(database_url: str, rate_limit: str, redis: str | None = None) -> RateLimiter | None:
    settings = Settings(database_url=database_url, rate_limit=rate_limit, redis_url=redis)
    return open_rate_limiter(settings, open_storage(database_url))


def test_off_means_no_limiter() -> None:
    assert limiter_for("memory://", "off") is None


def test_memory_storage_counts_in_the_process() -> None:
    limiter = limiter_for("memory://", "10/second")

    assert isinstance(limiter, MemoryRateLimiter)
    assert limiter.rate == Rate(10, 1)


def test_a_sqlite_database_has_its_counts_in_a_file_beside_it(tmp_path: Path) -> None:
    limiter = limiter_for(f"sqlite:///{tmp_path}/inventory.db?busy_timeout_ms=100", "600/minute")

    assert isinstance(limiter, HostRateLimiter)
    assert limiter.path == tmp_path / "inventory.db.ratelimit"
    assert limiter.rate == Rate(600, 60)


@pytest.mark.parametrize("database_url", ["memory://", "sqlite:///{tmp}/inventory.db"])
def test_a_redis_url_puts_the_counts_in_redis_for_every_host(
    tmp_path: Path, database_url: str
) -> None:
    limiter = limiter_for(
        database_url.format(tmp=tmp_path), "600/minute", redis="redis://cache.internal:6380/2"
    )

    assert isinstance(limiter, RedisRateLimiter)
    assert (limiter.url, limiter.rate) == ("redis://cache.internal:6380/2", Rate(600, 60))


def test_off_means_no_limiter_even_with_a_redis_url() -> None:
    assert limiter_for("memory://", "off", redis="redis://127.0.0.1:6379/0") is None


def test_a_redis_url_redis_cannot_read_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^INVENTORY_REDIS_URL: Port could not be cast"):
        limiter_for("memory://", "600/minute", redis="redis://127.0.0.1:port/0")
