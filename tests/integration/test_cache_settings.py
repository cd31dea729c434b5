"""``INVENTORY_CACHE`` and ``INVENTORY_CACHE_TTL``: which cache the composition root builds."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from inventory.adapters.cache import FileCache, MemoryCache
from inventory.bootstrap import bootstrap, open_cache
from inventory.config import ConfigError, Settings


def settings(cache: str, ttl: int = 30) -> Settings:
    return Settings(_env_file=None, database_url="memory://", cache=cache, cache_ttl=ttl)


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
    chosen = Settings(
        _env_file=None, database_url=f"sqlite:///{database}", cache=f"file:{tmp_path / 'taken'}"
    )

    with pytest.raises(ConfigError, match=r"^INVENTORY_CACHE: cannot keep a cache in .*taken"):
        bootstrap(chosen)

    assert not database.exists()


def test_redis_falls_back_to_memory_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inventory.cache"):
        cache = open_cache(settings("redis://localhost:6379/0"))

    assert isinstance(cache, MemoryCache)
    assert "INVENTORY_CACHE: redis is not available yet" in caplog.text


def test_the_services_carry_the_cache_and_its_ttl() -> None:
    services = bootstrap(settings("memory", ttl=12))

    reads = services.reads()

    assert isinstance(services.cache, MemoryCache)
    assert (reads.cache, reads.ttl) == (services.cache, 12)
