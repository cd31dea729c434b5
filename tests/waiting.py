"""A free port, and waits that poll: for tests, benchmarks and CI scripts alike.

Every wait polls a condition against a deadline; none sleeps a fixed time.
Scripts outside tests/ import this module with the repository root on sys.path.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class NotReady(AssertionError):
    """What was waited for did not happen in time."""


class ServerExited(NotReady):
    """The server that was to become ready exited instead."""


def free_port() -> int:
    """A loopback port nobody listens on (the OS's pick, released again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(
    condition: Callable[[], T | None], what: str, timeout: float = 20.0, every: float = 0.02
) -> T:
    """The first true value of ``condition()``, called every ``every`` seconds; raise
    :class:`NotReady` (``not <what> after ...``) if it is still false after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise NotReady(f"not {what} after {timeout:g} s")
        time.sleep(every)
    return value


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of ``url`` answers 200 now (False when refused, or any other status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return bool(answer.status == 200)
    except OSError:  # refused, reset, timed out, or an HTTP error status
        return False


def wait_ready(
    url: str,
    process: subprocess.Popen[Any] | None = None,
    timeout: float = 30.0,
    *,
    log: Path | None = None,
    also: Callable[[], bool] = lambda: True,
) -> None:
    """Return once GET ``url`` answers 200 and ``also()`` holds.

    Raise :class:`ServerExited` if ``process`` (the server, when the caller
    started one) exits first, :class:`NotReady` after ``timeout`` seconds; the
    message ends with the server's ``log``, if given.
    """

    def ready() -> bool:
        if process is not None and process.poll() is not None:
            raise ServerExited(f"the server exited with {process.returncode}{_tail(log)}")
        return also() and answers(url)

    try:
        wait_for(ready, f"ready at {url}", timeout, every=0.05)
    except ServerExited:
        raise
    except NotReady as exc:
        raise NotReady(f"{exc}{_tail(log)}") from None


def _tail(log: Path | None) -> str:
    return "" if log is None else f":\n{log.read_text(errors='replace')}"
