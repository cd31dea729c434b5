"""Cache adapters: TTL + LRU in process memory, files shared by one host, Redis shared by all."""

from inventory.adapters.cache.file import FileCache
from inventory.adapters.cache.memory import MemoryCache
from inventory.adapters.cache.redis import RedisCache

__all__ = ["FileCache", "MemoryCache", "RedisCache"]
