"""Cache adapters: TTL + LRU in process memory, files shared by one host, Redis shared by all
(behind a copy in each process's memory)."""

from inventory.adapters.cache.file import FileCache
from inventory.adapters.cache.memory import MemoryCache
from inventory.adapters.cache.redis import RedisCache
from inventory.adapters.cache.tiered import TieredCache

__all__ = ["FileCache", "MemoryCache", "RedisCache", "TieredCache"]
