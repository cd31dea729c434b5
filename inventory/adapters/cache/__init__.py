"""Cache adapters: TTL + LRU in process memory, files shared by one host, Redis shared by all
(behind a copy in each process's memory). Each is imported on first use, so that a process
with its cache in memory never loads redis-py or diskcache: docs/adr/0018-a-lean-read-path.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inventory.adapters.cache.file import FileCache
    from inventory.adapters.cache.memory import MemoryCache
    from inventory.adapters.cache.redis import RedisCache
    from inventory.adapters.cache.tiered import TieredCache

__all__ = ["FileCache", "MemoryCache", "RedisCache", "TieredCache"]

_MODULES = {
    "FileCache": "file",
    "MemoryCache": "memory",
    "RedisCache": "redis",
    "TieredCache": "tiered",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
