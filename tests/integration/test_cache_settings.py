"""``INVENTORY_CACHE`` and ``INVENTORY_CACHE_TTL``: which cache the composition root builds."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from inventory.adapters.cache import FileCache, MemoryCache, RedisCache, TieredCache
from inventory.application.ports import Cache
from inventory.bootstrap import bootstrap, open_cache
from inventory.config import ConfigError, Settings, load_settings
from tests.integration.redis_server import UNREACHABLE


def settings(cache: str, ttl: int = 30) -> Settings:
    return Settings(database_url="memory://", cache=cache, cache_ttl=ttl)


def test_memory_is_a_cache_in_process_memory() -> None:
    assert isinstance(open_cache(settings("memory")), MemoryCache)


def test_off_or_a_ttl_of_zero_is_no_cache() -> None:
    assert open_cache(settings("off")) is None
    assert open_cache(settings("memory", ttl=0)) is None


def test_file_makes_its_directory_if_missing(tmp_path: Path) -> None:
    cache = open_cache(settings(f"file:{tmp_path / 'cache' / 'inventory'}"))

    assert isinstance(cache, FileCache)
    assert (tmp_path / "cache" / "inventory").is_dir()


def test_file_without_a_path_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^INVENTORY_CACHE: file: needs a directory"):
        open_cache(settings("file:"))


def test_a_file_where_the_directory_should_be_is_refused_before_any_schema_work(
    tmp_path: Path,
) -> None:
    (tmp_path / "taken").write_text("not a directory")
    database = tmp_path / "never.db"
    chosen = Settings(database_url=f"sqlite:///{database}", cache=f"file:{tmp_path / 'taken'}")

    with pytest.raises(ConfigError, match=r"^INVENTORY_CACHE: cannot keep a cache in .*taken"):
        bootstrap(chosen)

    assert not database.exists()


def test_a_directory_whose_database_is_not_a_cache_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "cache.db").write_text("someone else's file")

    with pytest.raises(ConfigError, match=r"^INVENTORY_CACHE: .*cache\.db is not a cache database"):
        open_cache(settings(f"file:{tmp_path / 'cache'}"))

    assert (tmp_path / "cache" / "cache.db").read_text() == "someone else's file"


@pytest.mark.parametrize("url", ["redis://cache.internal:6380/2", "rediss://cache.internal/0"])
def test_a_redis_url_is_a_cache_in_that_redis(url: str) -> None:
    cache = redis_behind_memory(open_cache(settings(url)))

    assert cache.url == url


def test_opening_a_redis_cache_neither_connects_nor_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="inventory.cache"):
        cache = open_cache(settings(UNREACHABLE))

    redis_behind_memory(cache)
    assert caplog.records == []


def test_a_redis_url_redis_cannot_read_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^INVENTORY_CACHE: Port could not be cast"):
        open_cache(settings("redis://cache.internal:port/0"))


def test_with_a_redis_url_and_no_cache_setting_the_cache_is_in_that_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INVENTORY_CACHE", raising=False)
    monkeypatch.setenv("INVENTORY_REDIS_URL", "redis://cache.internal:6380/2")

    cache = redis_behind_memory(open_cache(load_settings(env_file=None, database_url="memory://")))

    assert cache.url == "redis://cache.internal:6380/2"


@pytest.mark.parametrize(
    ("chosen", "kind"),
    [("memory", MemoryCache), ("file:{tmp}/cache", FileCache), ("off", type(None))],
)
def test_a_cache_set_explicitly_wins_over_the_redis_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chosen: str, kind: type
) -> None:
    monkeypatch.setenv("INVENTORY_CACHE", chosen.format(tmp=tmp_path))
    monkeypatch.setenv("INVENTORY_REDIS_URL", "redis://cache.internal:6380/2")

    cache = open_cache(load_settings(env_file=None, database_url="memory://"))

    assert type(cache) is kind


def test_an_explicit_redis_cache_wins_over_the_redis_url() -> None:
    chosen = Settings(
        database_url="memory://",
        cache="redis://cache.internal:6380/3",
        redis_url="redis://cache.internal:6380/2",
    )

    cache = redis_behind_memory(open_cache(chosen))

    assert cache.url == "redis://cache.internal:6380/3"


def test_a_ttl_of_zero_is_no_cache_even_with_a_redis_url() -> None:
    chosen = Settings(database_url="memory://", cache_ttl=0, redis_url="redis://h:6379/0")

    assert open_cache(chosen) is None


def test_a_bad_redis_url_for_the_cache_is_refused_naming_the_variable() -> None:
    chosen = Settings(database_url="memory://", redis_url="redis://cache.internal:port/0")

    with pytest.raises(ConfigError, match=r"^INVENTORY_REDIS_URL: Port could not be cast"):
        open_cache(chosen)


def test_the_services_carry_the_cache_and_its_ttl() -> None:
    services = bootstrap(settings("memory", ttl=12))

    reads = services.reads()

    assert isinstance(services.cache, MemoryCache)
    assert (reads.cache, reads.ttl) == (services.cache, 12)


def redis_behind_memory(cache: Cache | None) -> RedisCache:
    """The Redis tier of a cache that must be Redis behind a copy in this process's memory."""
    assert isinstance(cache, TieredCache)
    assert isinstance(cache.near, MemoryCache)
    assert isinstance(cache.far, RedisCache)
    return cache.far
