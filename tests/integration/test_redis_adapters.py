"""What only the Redis adapters promise: one count for every instance, the pure counter's
decisions to the last bit, and a Redis that fails costing requests nothing.

Tests that need a server use ``INVENTORY_TEST_REDIS_URL`` and skip without
it; the failure tests need none (nothing listens on port 1). The port
contracts run on these adapters too, in ``test_cache_adapters.py`` and
``test_rate_limiter_adapters.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import random
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.adapters.cache import RedisCache
from inventory.adapters.rate_limits import RedisRateLimiter
from inventory.adapters.redis_client import Outages, Probe, where
from inventory.application.rate_limits import Rate, RateDecision, WindowCounts, hit
from tests.integration.redis_server import (
    PATIENT,
    UNREACHABLE,
    redis_url,
    remove_keys,
    unique_prefix,
)

pytestmark = pytest.mark.redis

START = 1_800_000_000.0  # a window edge for every unit


class Seconds:
    """A clock in seconds that moves only when told."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def url() -> str:
    return redis_url()


@pytest.fixture
def prefix(url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are removed afterwards."""
    made = unique_prefix("adapters")
    yield made
    remove_keys(url, made)


@pytest.fixture
def server(url: str) -> Iterator[redis.Redis]:
    """A plain client, to look at what the adapters stored."""
    client = redis.Redis.from_url(url)
    yield client
    client.close()


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# --- the cache ---------------------------------------------------------------------------------


def test_a_cache_entry_is_kept_under_the_prefix_with_its_ttl(
    url: str, prefix: str, server: redis.Redis
) -> None:
    cache = RedisCache(url, prefix=prefix, **PATIENT)

    cache.set("product:SKU-1@7", b"bolt", ttl=30)
    cache.set("brief", b"x", ttl=0.5)

    assert server.get(f"{prefix}k:product:SKU-1@7") == b"bolt"
    assert 29_000 < server.pttl(f"{prefix}k:product:SKU-1@7") <= 30_000
    assert 0 < server.pttl(f"{prefix}k:brief") <= 500


def test_a_long_cache_key_is_kept_under_its_hash(
    url: str, prefix: str, server: redis.Redis
) -> None:
    cache = RedisCache(url, prefix=prefix, **PATIENT)
    key = "products?" + "&tag=t" * 100

    cache.set(key, b"page", ttl=30)

    (stored,) = server.keys(f"{prefix}*")
    assert stored == f"{prefix}h:{hashlib.sha256(key.encode()).hexdigest()}".encode()
    assert cache.get(key) == b"page"


def test_a_ttl_under_a_millisecond_keeps_nothing(url: str, prefix: str) -> None:
    cache = RedisCache(url, prefix=prefix, **PATIENT)

    cache.set("k", b"v", ttl=0.0004)

    assert cache.get("k") is None


def test_caches_with_other_prefixes_do_not_see_each_others_entries(url: str, prefix: str) -> None:
    ours = RedisCache(url, prefix=prefix + "a:", **PATIENT)
    theirs = RedisCache(url, prefix=prefix + "b:", **PATIENT)

    ours.set("k", b"ours", ttl=30)

    assert theirs.get("k") is None


def test_a_key_holding_something_else_reads_as_a_miss(
    url: str, prefix: str, server: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    server.hset(f"{prefix}k:foreign", "field", "value")
    cache = RedisCache(url, prefix=prefix, **PATIENT)

    with caplog.at_level(logging.WARNING, logger="inventory.cache"):
        found = cache.get("foreign")

    assert found is None
    assert len(warnings_in(caplog)) == 1


# --- the rate limiter: the pure counter's decisions, counted in Redis -------------------------


def decide_purely(
    rate: Rate, hits: list[tuple[str, float]]
) -> tuple[list[RateDecision], dict[str, WindowCounts]]:
    counts: dict[str, WindowCounts] = {}
    decisions = []
    for key, now in hits:
        decision, counts[key] = hit(rate, counts.get(key), now)
        decisions.append(decision)
    return decisions, counts


def decide_in_redis(
    rate: Rate, hits: list[tuple[str, float]], url: str, prefix: str
) -> list[RateDecision]:
    clock = Seconds()
    limiter = RedisRateLimiter(rate, url, clock, prefix=prefix, **PATIENT)
    decisions = []
    try:
        for key, now in hits:
            clock.now = now
            decisions.append(limiter.hit(key))
    finally:
        limiter.close()
    return decisions


RATES = [Rate(1, 1), Rate(3, 60), Rate(10, 60), Rate(7, 3600), Rate(600, 60)]


def random_hits(rng: random.Random, rate: Rate, count: int) -> list[tuple[str, float]]:
    """Hits on a few keys, in bursts, pauses, exact window edges and a clock stepping back."""
    pace = rate.window / rate.limit  # the time between hits of a client at the limit
    now, hits = START + rng.random() * rate.window, []
    for _ in range(count):
        step = rng.choices(
            [
                0.0,
                rng.random() * pace,  # faster than the limit: refusals
                rng.random() * pace * 3,  # slower: the budget returns
                rng.random() * rate.window * 2.5,  # a pause, up to idle windows
                float(math.ceil(now / rate.window) * rate.window) - now,  # onto the next edge
                -rng.random() * rate.window / 3,  # the wall clock stepped back
            ],
            # Rarer with a larger limit, so that bursts still reach it.
            weights=[10, 50, 30, *(rare / rate.limit for rare in (5, 10, 5))],
        )[0]
        now += step
        hits.append((rng.choices(["key:a", "key:b", "key:c"], weights=[8, 1, 1])[0], now))
    return hits


@pytest.mark.parametrize("rate", RATES, ids=str)
def test_a_long_random_run_decides_and_stores_exactly_as_the_pure_counter(
    url: str, prefix: str, server: redis.Redis, rate: Rate
) -> None:
    hits = random_hits(random.Random(f"{rate}"), rate, max(1500, 4 * rate.limit))

    expected, counts = decide_purely(rate, hits)
    decided = decide_in_redis(rate, hits, url, prefix)

    assert decided == expected
    for key, state in counts.items():
        stored = server.hgetall(prefix + key)
        assert WindowCounts(*(int(stored[field]) for field in (b"w", b"c", b"p"))) == state


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rate=st.sampled_from(RATES),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["key:a", "key:b"]),
            st.one_of(
                st.just(0.0),
                st.floats(min_value=-2.0, max_value=130.0, allow_nan=False),
                st.integers(min_value=0, max_value=130).map(float),
            ),
        ),
        max_size=60,
    ),
)
def test_any_sequence_of_hits_is_decided_as_the_pure_counter_decides_it(
    url: str, rate: Rate, steps: list[tuple[str, float]]
) -> None:
    now, hits = START, []
    for key, step in steps:
        now += step
        hits.append((key, now))
    prefix = unique_prefix("equivalence")

    try:
        decided = decide_in_redis(rate, hits, url, prefix)
    finally:
        remove_keys(url, prefix)

    assert decided == decide_purely(rate, hits)[0]


def test_without_a_clock_hits_are_counted_on_redis_time(
    url: str, prefix: str, server: redis.Redis
) -> None:
    rate = Rate(5, 3600)
    limiter = RedisRateLimiter(rate, url, prefix=prefix, **PATIENT)

    before = server.time()
    decision = limiter.hit("key:a")
    after = server.time()

    stored = server.hgetall(prefix + "key:a")
    windows = {int(seconds) // rate.window for seconds, _ in (before, after)}
    assert int(stored[b"w"]) in windows
    assert (int(stored[b"c"]), int(stored[b"p"])) == (1, 0)
    assert (decision.allowed, decision.remaining) == (True, 4)
    assert rate.window <= decision.reset <= 2 * rate.window
    assert 0 < server.pttl(prefix + "key:a") <= 2 * rate.window * 1000


def test_instances_hitting_one_key_at_once_grant_exactly_the_limit(url: str, prefix: str) -> None:
    rate, threads, hits = Rate(100, 3600), 8, 50
    limiters = [
        RedisRateLimiter(rate, url, lambda: START, prefix=prefix, **PATIENT) for _ in range(threads)
    ]
    allowed = [0] * threads
    ready = threading.Barrier(threads)

    def hammer(n: int) -> None:
        ready.wait()
        allowed[n] = sum(limiters[n].hit("key:shared").allowed for _ in range(hits))

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(allowed) == 100


def test_threads_sharing_one_limiter_grant_exactly_the_limit(url: str, prefix: str) -> None:
    limiter = RedisRateLimiter(Rate(100, 3600), url, lambda: START, prefix=prefix, **PATIENT)
    allowed: list[bool] = []

    def hammer() -> None:
        allowed.extend(limiter.hit("key:shared").allowed for _ in range(50))

    workers = [threading.Thread(target=hammer) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert (len(allowed), sum(allowed)) == (400, 100)


def test_a_hash_that_is_not_ours_counts_afresh(url: str, prefix: str, server: redis.Redis) -> None:
    server.hset(prefix + "key:a", mapping={"w": "soon", "c": "1"})
    limiter = RedisRateLimiter(Rate(5, 60), url, Seconds(), prefix=prefix, **PATIENT)

    assert limiter.hit("key:a").remaining == 4


# --- failing open ------------------------------------------------------------------------------


def test_an_unreachable_cache_misses_and_skips_writes_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = RedisCache("redis://user:secret@127.0.0.1:1/0")

    with caplog.at_level(logging.WARNING, logger="inventory.cache"):
        for n in range(50):
            cache.set(f"k{n}", b"v", ttl=30)
            assert cache.get(f"k{n}") is None

    assert cache.stats().misses == 50
    (warning,) = warnings_in(caplog)
    assert "redis://127.0.0.1:1/0 failed, caching nothing" in warning
    assert "secret" not in caplog.text


def test_an_unreachable_limiter_lets_every_request_through_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rate = Rate(5, 60)
    limiter = RedisRateLimiter(rate, UNREACHABLE)

    with caplog.at_level(logging.WARNING, logger="inventory.rate_limit"):
        decisions = [limiter.hit("key:a") for _ in range(50)]

    assert set(decisions) == {RateDecision.unlimited(rate)}
    (warning,) = warnings_in(caplog)
    assert "redis://127.0.0.1:1/0 failed, not limiting" in warning


class Silent:
    """A server that takes connections and never answers: a Redis hung or behind a black hole."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"redis://127.0.0.1:{self._socket.getsockname()[1]}/0"

    def connections(self) -> int:
        """How many connections were made to it so far."""
        self._socket.setblocking(False)
        count = 0
        while True:
            try:
                connection, _ = self._socket.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    made = Silent()
    yield made
    made.close()


def hit_the_cache(url: str, backoff: float) -> Callable[[], object]:
    cache = RedisCache(url, timeout=0.05, connect_timeout=0.05, backoff=backoff)
    return lambda: cache.get("k")


def hit_the_limiter(url: str, backoff: float) -> Callable[[], object]:
    limiter = RedisRateLimiter(
        Rate(5, 60), url, timeout=0.05, connect_timeout=0.05, backoff=backoff
    )
    return lambda: limiter.hit("key:a")


@pytest.mark.parametrize("use", [hit_the_cache, hit_the_limiter])
def test_after_a_timeout_redis_is_left_alone_for_the_back_off(
    silent: Silent, use: Callable[[str, float], Callable[[], object]]
) -> None:
    call = use(silent.url, 60.0)

    for _ in range(20):
        call()

    assert silent.connections() == 1  # one timeout, then nothing until the back-off ends


@pytest.mark.parametrize("use", [hit_the_cache, hit_the_limiter])
def test_without_a_back_off_every_call_would_wait_for_its_timeout(
    silent: Silent, use: Callable[[str, float], Callable[[], object]]
) -> None:
    call = use(silent.url, 0.0)

    for _ in range(3):
        call()

    assert silent.connections() == 3


class Link:
    """A TCP relay to the test Redis that can be cut and restored, as a network can."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        credentials = parts.netloc.rpartition("@")[0]
        address = f"127.0.0.1:{self._server.getsockname()[1]}"
        self.url = f"{parts.scheme}://{credentials + '@' if credentials else ''}{address}"
        self.url += parts.path
        self._up = True
        self._closed = False
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        """Drop every connection, and refuse new ones until restored."""
        with self._lock:
            self._up = False
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.cut()
        self._closed = True
        self._thread.join()
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            with self._lock:
                if not self._up:
                    client.close()
                    continue
                upstream = socket.create_connection(self._target)
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # cut


@pytest.fixture
def link(url: str) -> Iterator[Link]:
    made = Link(url)
    yield made
    made.close()


def test_a_limiter_cut_off_from_redis_lets_requests_through_then_counts_on_where_it_was(
    link: Link, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter(
        Rate(5, 60), link.url, Seconds(), prefix=prefix, backoff=0, **PATIENT
    )
    counted = [limiter.hit("key:a").remaining for _ in range(2)]

    with caplog.at_level(logging.INFO, logger="inventory.rate_limit"):
        link.cut()
        during = [limiter.hit("key:a").remaining for _ in range(10)]
        link.restore()
        after = limiter.hit("key:a").remaining

    assert (counted, during, after) == ([4, 3], [5] * 10, 2)
    assert [(r.levelname, r.getMessage().split(",")[0]) for r in caplog.records] == [
        ("WARNING", f"rate limit storage {where(link.url)} failed"),
        ("INFO", f"rate limit storage {where(link.url)} answers again"),
    ]


def test_a_cache_cut_off_from_redis_misses_then_finds_its_entries_again(
    link: Link, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = RedisCache(link.url, prefix=prefix, backoff=0, **PATIENT)
    cache.set("k", b"kept", ttl=60)

    with caplog.at_level(logging.INFO, logger="inventory.cache"):
        link.cut()
        during = [cache.get("k") for _ in range(10)]
        link.restore()
        after = cache.get("k")

    assert (during, after) == ([None] * 10, b"kept")
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]


# --- outages: when to try Redis, and what to log -----------------------------------------------


@pytest.fixture
def outages_log() -> logging.Logger:
    return logging.getLogger("inventory.test_outages")


def test_an_outage_is_logged_once_when_it_begins_and_once_when_it_ends(
    outages_log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    outages = Outages(outages_log, "down", "up", backoff=0)

    with caplog.at_level(logging.INFO, logger=outages_log.name):
        outages.answered()
        for _ in range(5):
            assert outages.should_try()
            outages.failed(OSError("refused"))
        outages.answered()
        outages.answered()

    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "down: refused"),
        ("INFO", "up"),
    ]
    assert not outages.down


def test_during_an_outage_one_caller_per_back_off_tries_redis(outages_log: logging.Logger) -> None:
    clock = Seconds(100.0)
    outages = Outages(outages_log, "down", "up", backoff=1.0, clock=clock)
    assert outages.should_try()

    outages.failed(OSError("refused"))
    skipped = [outages.should_try() for _ in range(3)]
    clock.now += 1.0
    probes = [outages.should_try() for _ in range(3)]
    clock.now += 0.5
    meanwhile = outages.should_try()
    clock.now += 0.5
    next_probe = outages.should_try()
    outages.answered()

    assert skipped == [False] * 3
    assert probes == [True, False, False]
    assert (meanwhile, next_probe) == (False, True)
    assert all(outages.should_try() for _ in range(3))


def test_where_leaves_the_credentials_out_of_the_log() -> None:
    assert where("redis://user:secret@cache.internal:6380/2") == "redis://cache.internal:6380/2"
    assert where("rediss://cache.internal/0") == "rediss://cache.internal/0"


# --- the /ready probe ----------------------------------------------------------------


def test_the_probe_says_ok_while_redis_answers() -> None:
    assert Probe(redis_url())() == "ok"


def test_the_probe_names_an_unreachable_redis_without_its_password() -> None:
    host = urlsplit(UNREACHABLE).netloc.rpartition("@")[2]
    probe = Probe(f"redis://:hunter2@{host}/0")

    outcome = probe()

    assert outcome.startswith(f"unreachable: redis://{host}/0: ")
    assert "hunter2" not in outcome
