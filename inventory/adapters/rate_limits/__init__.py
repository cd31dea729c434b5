"""Rate limiters: in one process (memory), and shared by every process on one host."""

from inventory.adapters.rate_limits.host import HostRateLimiter
from inventory.adapters.rate_limits.memory import MemoryRateLimiter

__all__ = ["HostRateLimiter", "MemoryRateLimiter"]
