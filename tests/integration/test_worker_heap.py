"""A loaded worker frees what loading left behind, then freezes what it holds
(inventory.entrypoints.http.server.settle_heap). In a forked child: freezing is for
the life of the process."""

from __future__ import annotations

import gc
import json
import weakref

from inventory.entrypoints.http.server import settle_heap
from tests.forking import in_a_forked_child


class Node:
    """An object that can sit in a reference cycle."""

    other: Node | None = None


def test_a_settled_worker_has_freed_its_cycles_and_frozen_what_it_holds() -> None:
    def settle() -> str:
        kept = [Node() for _ in range(100)]
        cycle, partner = Node(), Node()
        cycle.other, partner.other = partner, cycle
        garbage = weakref.ref(cycle)
        del cycle, partner
        frozen_before = gc.get_freeze_count()
        settle_heap()
        return json.dumps(
            {
                "cycle freed": garbage() is None,
                "newly frozen": gc.get_freeze_count() - frozen_before,
                "kept": len(kept),
            }
        )

    _, report = in_a_forked_child(settle)
    settled = json.loads(report)

    assert settled["cycle freed"] is True
    assert settled["newly frozen"] >= settled["kept"]
