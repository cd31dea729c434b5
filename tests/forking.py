"""Running a piece of a test in a forked child, which reports back through a pipe."""

from __future__ import annotations

import os
from collections.abc import Callable


def in_a_forked_child(report: Callable[[], str]) -> tuple[int, str]:
    """Fork, run ``report`` in the child, and wait for it: the child's pid and its report."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(writing, report().encode())
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        reported = pipe.read().decode()
    os.waitpid(child, 0)
    return child, reported
