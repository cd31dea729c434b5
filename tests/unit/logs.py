"""Log lines as the server writes them, kept in memory for a test to read."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from inventory.entrypoints.logs import formatter


@contextmanager
def json_lines(logger: str = "inventory", level: int = logging.INFO) -> Iterator[io.StringIO]:
    """Every line ``logger`` writes meanwhile, formatted as ``INVENTORY_LOG_FORMAT=json`` does."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(formatter("json"))
    target = logging.getLogger(logger)
    previous = target.level
    target.addHandler(handler)
    target.setLevel(level)
    try:
        yield lines
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)
