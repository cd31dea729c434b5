"""The Redis server integration tests may use, named by ``INVENTORY_TEST_REDIS_URL``.

Tests that need one skip (saying why) when the variable is unset. The server
may be shared with other test runs and other applications, so a test never
flushes it: each one keeps its keys under a prefix of its own and removes
only those.
"""

from __future__ import annotations

import os
import uuid
from typing import TypedDict

import pytest
import redis

from tests.lanes import require_mark

UNREACHABLE = "redis://127.0.0.1:1/0"
"""Nothing listens on port 1: connections are refused at once."""


class Timeouts(TypedDict):
    timeout: float
    connect_timeout: float


PATIENT = Timeouts(timeout=10.0, connect_timeout=10.0)
"""Socket timeouts for tests that pin results rather than timing: on a loaded
machine the adapters' short defaults could turn a slow answer into a failure,
and so a request let through uncounted."""


def redis_url() -> str:
    """The test server's URL, or a skip when none is configured."""
    require_mark("redis")
    url = os.environ.get("INVENTORY_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a Redis server: set INVENTORY_TEST_REDIS_URL=redis://host:port/db")
    return url


def unique_prefix(what: str) -> str:
    """A key prefix no other test, and no other run on the same server, uses."""
    return f"inventory-test:{what}:{uuid.uuid4().hex}:"


def remove_keys(url: str, prefix: str) -> None:
    """Delete every key under ``prefix`` (and nothing else)."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
