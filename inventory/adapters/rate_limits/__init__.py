"""Rate limiters: in one process (memory), shared by every process on one host, and in Redis.

Each is imported on first use: only the Redis one loads redis-py
(docs/adr/0018-a-lean-read-path.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inventory.adapters.rate_limits.host import HostRateLimiter
    from inventory.adapters.rate_limits.memory import MemoryRateLimiter
    from inventory.adapters.rate_limits.redis import RedisRateLimiter

__all__ = ["HostRateLimiter", "MemoryRateLimiter", "RedisRateLimiter"]

_MODULES = {"HostRateLimiter": "host", "MemoryRateLimiter": "memory", "RedisRateLimiter": "redis"}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
