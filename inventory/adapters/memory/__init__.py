"""In-memory twins of every storage port (unit tests and ``memory://``)."""

from inventory.adapters.memory.store import MemoryStore, MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
