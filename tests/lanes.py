"""What the running test is marked with, for the helpers that reach a service.

See tests/conftest.py: a test that reaches PostgreSQL or Redis without its
marker fails, so the fast lane (which deselects those markers) never needs one.
"""

from __future__ import annotations

import pytest

_running: dict[str, set[str]] = {}
"""The marker names of the test being set up or run, under ``"marks"``."""


def started(item: pytest.Item) -> None:
    _running["marks"] = {mark.name for mark in item.iter_markers()}


def require_mark(service: str) -> None:
    """Fail the running test unless it is marked ``service`` (so that lanes can leave it out)."""
    marks = _running.get("marks")
    if marks is not None and service not in marks:
        pytest.fail(
            f"this test uses {service} but is not marked so: add pytest.mark.{service}"
            f" (or a {service!r} parameter), so that the fast lane leaves it out",
            pytrace=False,
        )
