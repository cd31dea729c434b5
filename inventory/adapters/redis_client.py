"""Reaching Redis so that a server which is down or slow costs requests next to nothing.

Short timeouts, a back-off after a failure, one log line per outage.
See docs/adr/0011-redis-as-a-shortcut-that-fails-open.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError
from redis.retry import Retry

DEFAULT_TIMEOUT = 0.25
"""Seconds to connect, and to wait for an answer, before counting Redis as failed."""

DEFAULT_BACKOFF = 1.0
"""Seconds to leave Redis alone after it failed, before one request tries it again."""

FAILURES: tuple[type[Exception], ...] = (RedisError, OSError)
"""What a call to Redis raises when the server cannot serve it."""


def connect(url: str, timeout: float, connect_timeout: float) -> redis.Redis:
    """A client for ``url``, safe to share between threads; it connects on first use.

    Raises ValueError for a URL redis-py cannot read.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=connect_timeout,
        # Only a refused or reset connection is tried again, once and at once:
        # a timeout already cost its full wait, and the back-off does the rest.
        retry=Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)),
    )


def where(url: str) -> str:
    """``url`` without its credentials, fit for a log line."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


class Outages:
    """Whether to call Redis now, and what to log as it fails and comes back.

    Call :meth:`should_try` before a command; then :meth:`failed` if it
    raised one of :data:`FAILURES`, :meth:`answered` if it did not.
    """

    def __init__(
        self,
        log: logging.Logger,
        warning: str,
        recovery: str,
        backoff: float = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._warning = warning
        self._recovery = recovery
        self._backoff = backoff
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        """Whether the last call failed (and none has answered since)."""
        return self._down

    def should_try(self) -> bool:
        """True while Redis answers; during an outage, for one caller per back-off."""
        # Read without the lock: a stale answer costs at most one extra try or
        # one skipped call, and the common case (Redis up) takes no lock at all.
        if not self._down:
            return True
        with self._lock:
            if not self._down:
                return True
            now = self._clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self._backoff  # the others keep skipping meanwhile
            return True

    def failed(self, exc: Exception) -> None:
        """Note a failed call: back off, and warn if this begins an outage."""
        with self._lock:
            self._retry_at = self._clock() + self._backoff
            began, self._down = not self._down, True
        if began:
            self._log.warning("%s: %s", self._warning, exc)

    def answered(self) -> None:
        """Note a call that Redis answered, ending any outage."""
        if not self._down:
            return
        with self._lock:
            ended, self._down = self._down, False
        if ended:
            self._log.info("%s", self._recovery)


class Probe:
    """Whether the Redis at ``url`` answers a PING now: ``"ok"``, or why not (for ``/ready``)."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._where = where(url)
        self._client = connect(url, timeout, timeout)

    def __call__(self) -> str:
        try:
            self._client.ping()
        except FAILURES as exc:
            return f"unreachable: {self._where}: {exc}"
        return "ok"

    def close(self) -> None:
        self._client.close()
