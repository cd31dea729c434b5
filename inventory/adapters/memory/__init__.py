"""In-memory twins of every storage port (unit tests and ``memory://``)."""

from inventory.adapters.memory.store import MemoryStorage, MemoryStore, MemoryUnitOfWork

__all__ = ["MemoryStorage", "MemoryStore", "MemoryUnitOfWork"]
