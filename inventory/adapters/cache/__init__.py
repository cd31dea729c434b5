"""Cache adapters: a TTL + LRU cache in process memory, and one in files shared by processes."""

from inventory.adapters.cache.file import FileCache
from inventory.adapters.cache.memory import MemoryCache

__all__ = ["FileCache", "MemoryCache"]
