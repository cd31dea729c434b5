"""The coherence check itself (tests/coherence.py), on hand-made histories."""

from __future__ import annotations

from tests.coherence import Read, Violation, Write, check

V = "version SKU-1"
STOCK = "on_hand SKU-1@WH-1"

HISTORY = [
    Write(V, 1, acked=0.0, what="POST product"),
    Write(V, 2, acked=1.0, what="PATCH 1"),
    Write(V, 3, acked=2.0, what="PATCH 2"),
    Write(STOCK, 10, acked=0.5, what="receipt 1"),
    Write(STOCK, 15, acked=1.5, what="receipt 2"),
]


def test_a_history_of_fresh_reads_has_no_violation() -> None:
    reads = [
        Read(V, 1, started=0.5),  # after the first write
        Read(V, 1, started=1.0),  # began as PATCH 1 was acknowledged: may miss it
        Read(V, 3, started=1.2),  # shows a write not yet acknowledged: allowed
        Read(V, 3, started=2.5),
        Read(STOCK, 0, started=0.1),  # before any write of its item: nothing to check
        Read(STOCK, 15, started=1.6),
        Read("version SKU-2", 0, started=9.0),  # an item nobody wrote
    ]

    report = check(HISTORY, reads, close_within=0.15)

    assert report.violations == []
    assert report.reads == 5
    assert report.pairs == 1 + 1 + 2 + 3 + 2
    assert report.close == 1  # the one at 1.6, 0.1 s after receipt 2


def test_a_stale_read_is_reported_against_the_first_write_it_missed() -> None:
    stale = Read(V, 1, started=2.25, what="GET product")
    reads = [Read(V, 2, started=1.5), stale, Read(STOCK, 15, started=3.0)]

    report = check(HISTORY, reads)

    assert report.violations == [Violation(stale, HISTORY[1])]
    assert report.pairs == 2 + 3 + 2
    assert str(report.violations[0]) == (
        "version SKU-1: GET product began 1.2500 s after PATCH 1 was acknowledged with 2,"
        " yet showed 1"
    )


def test_writes_and_reads_may_come_in_any_order() -> None:
    reads = [Read(STOCK, 12, started=2.0), Read(STOCK, 15, started=1.7)]

    report = check(reversed(HISTORY), reversed(reads))

    assert [v.read for v in report.violations] == [reads[0]]
    assert report.violations[0].write.what == "receipt 2"


def test_a_read_that_shows_nothing_of_an_acknowledged_item_is_stale() -> None:
    missing = Read(STOCK, -1, started=0.75, what="GET warehouse stock (no level)")

    assert check(HISTORY, [missing]).violations == [Violation(missing, HISTORY[3])]
