"""Rate limiters: in one process (memory), shared by every process on one host, and in Redis."""

from inventory.adapters.rate_limits.host import HostRateLimiter
from inventory.adapters.rate_limits.memory import MemoryRateLimiter
from inventory.adapters.rate_limits.redis import RedisRateLimiter

__all__ = ["HostRateLimiter", "MemoryRateLimiter", "RedisRateLimiter"]
