"""The process-wide id generator across a fork: a child does not go on from its parent's last id."""

from __future__ import annotations

import os
import time

import pytest

from inventory.adapters.ids import new_id
from tests.forking import in_a_forked_child
from tests.unit.test_ids import decode


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_afresh_within_the_same_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: frozen)  # one millisecond for both processes
    parents = new_id()

    _, childs = in_a_forked_child(new_id)

    assert decode(childs) >> 80 == decode(parents) >> 80
    assert decode(childs) != decode(parents) + 1  # what a child that kept counting would make
    assert new_id() == _next_after(parents)


def _next_after(id: str) -> str:
    """The id the parent makes next: one more than its last, in the same millisecond."""
    value = decode(id) + 1
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[(value >> shift) & 31] for shift in range(125, -1, -5))
