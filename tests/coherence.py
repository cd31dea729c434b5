"""The check of a recorded history of writes and reads against API.md §8 (no stale read).

Pure: it takes what clients recorded (monotonic times and figures) and says which
reads showed less than a write acknowledged before they began. Used by
tests/e2e/test_cache_coherence_randomized.py; checked itself by tests/unit/test_coherence_check.py.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Write:
    """A write the server acknowledged: after it, ``item`` shows ``figure`` or more.

    ``item`` names one thing a read can show ("version SKU-1", "on_hand SKU-1@WH-1");
    ``figure`` only ever rises with later writes (a product's version, an on-hand
    quantity that only receipts change); ``acked`` is when the answer arrived.
    """

    item: str
    figure: int
    acked: float
    what: str = ""


@dataclass(frozen=True)
class Read:
    """What one read showed of ``item``; ``started`` is when it was about to be sent."""

    item: str
    figure: int
    started: float
    what: str = ""


@dataclass(frozen=True)
class Violation:
    """``read`` began after ``write`` was acknowledged, yet showed less than it."""

    read: Read
    write: Write

    def __str__(self) -> str:
        lag = self.read.started - self.write.acked
        return (
            f"{self.read.item}: {self.read.what} began {lag:.4f} s after {self.write.what}"
            f" was acknowledged with {self.write.figure}, yet showed {self.read.figure}"
        )


@dataclass
class Report:
    pairs: int = 0
    """(write, read) pairs of one item where the write was acknowledged before the read began:
    every one of them is checked (the read must show that write or a later one)."""
    reads: int = 0
    """Reads checked against at least one write."""
    close: int = 0
    """Reads that began within ``close_within`` seconds after the newest write they were
    checked against was acknowledged: the races a stale cache would lose."""
    violations: list[Violation] = field(default_factory=list)


def check(writes: Iterable[Write], reads: Iterable[Read], close_within: float = 0.05) -> Report:
    """Every read that began after a write of its item was acknowledged must show at least
    that write's figure; the report lists each read that did not (against the first such write)."""
    by_item: dict[str, list[Write]] = defaultdict(list)
    for write in writes:
        by_item[write.item].append(write)
    acks: dict[str, list[float]] = {}
    highest: dict[str, list[int]] = {}  # the highest figure acknowledged up to each write
    for item, item_writes in by_item.items():
        item_writes.sort(key=lambda write: write.acked)
        acks[item] = [write.acked for write in item_writes]
        highest[item] = list(itertools.accumulate((w.figure for w in item_writes), max))

    report = Report()
    for read in sorted(reads, key=lambda read: read.started):
        before = bisect.bisect_left(acks.get(read.item, []), read.started)
        if before == 0:
            continue
        item_writes = by_item[read.item]
        report.pairs += before
        report.reads += 1
        if read.started - item_writes[before - 1].acked <= close_within:
            report.close += 1
        first_missed = bisect.bisect_right(highest[read.item], read.figure)
        if first_missed < before:
            report.violations.append(Violation(read, item_writes[first_missed]))
    return report
