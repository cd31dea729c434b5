"""Copying a whole inventory into another, empty database: the way from SQLite to PostgreSQL.

Everything goes through the storage ports, so any pair of adapters works:
the source is read in one consistent snapshot, streamed in batches, and the
target is written in one unit of work that is verified before it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from inventory.application.caching import InSnapshot
from inventory.application.integrity import Drift, check_integrity
from inventory.application.listing import JOB_SORTS, LOCATION_SORTS, ORDER_SORTS, WAREHOUSE_SORTS
from inventory.application.pagination import Sorting
from inventory.application.ports import UnitOfWork, UnitOfWorkFactory
from inventory.application.queries import (
    JobFilter,
    LocationFilter,
    MovementFilter,
    OrderFilter,
    PageSpec,
)
from inventory.domain.errors import Conflict
from inventory.domain.locations import Location, descendants
from inventory.domain.valuation import ZERO, value_of

T = TypeVar("T")

BATCH = 5000
"""Rows handed to one ``add_all`` / ``save_all`` call (and rows between progress calls)."""

PAGE = 500
"""Rows per ``fetch_page`` call for the kinds the ports page but do not stream."""

KINDS = (
    "warehouses", "locations", "products", "lots", "stock_levels", "location_stock", "serials",
    "movements", "orders", "api_keys", "jobs", "outbox",
)  # fmt: skip
"""What is copied, in the order it is written (each kind only refers to kinds before it)."""

SKIPPED = ("idempotency_records", "report_results")
"""What is not copied: see :func:`copy_inventory`."""

VERIFYING = "verifying"
"""The step :data:`CopyProgress` is told of once every row is written and the check begins."""

CopyProgress = Callable[[str, int], None]
"""Told the kind being copied and its rows copied so far, after every batch; then, once,
:data:`VERIFYING` and the rows copied in all."""

Rows = Callable[[], Iterator[Any]]
Write = Callable[[Sequence[Any]], None]


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a copy moved, and whether the target agreed with the source afterwards.

    ``counts`` are the rows of each kind read from the source; ``valuation``
    the source's total stock value. ``mismatches`` names every count or total
    the target disagrees on, ``drifts`` what its integrity check found.
    """

    counts: dict[str, int]
    valuation: Decimal
    mismatches: tuple[str, ...] = ()
    drifts: tuple[Drift, ...] = ()
    skipped: tuple[str, ...] = field(default=SKIPPED)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.drifts

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def problems(self) -> list[str]:
        """One line per mismatch or drift, for people."""
        return [*self.mismatches, *(f"integrity: {drift}" for drift in self.drifts)]


class CopyNotVerified(Conflict):
    """The copy in the target disagrees with its source; nothing was kept."""

    def __init__(self, report: CopyReport) -> None:
        problems = report.problems()
        shown = "; ".join(problems[:5])
        if len(problems) > 5:
            shown += f"; and {len(problems) - 5} more"
        super().__init__(
            f"the copy does not match its source, so nothing was kept: {shown}"
            " (if `inventory check` on the source reports the same drifts, repair the source first)"
        )
        self.report = report


def copy_inventory(
    source: UnitOfWorkFactory,
    target: UnitOfWorkFactory,
    on_progress: CopyProgress = lambda kind, done: None,
) -> CopyReport:
    """Copy every record of ``source`` into the empty ``target``, all or nothing, verified.

    Records keep their ids, times, versions, costs and statuses: the target
    answers every read as the source did. The target must be migrated and
    hold nothing, or :class:`Conflict` names what it holds and nothing is
    written. Before the target commits, its row counts and total valuation are
    compared with the source's and its integrity check is run; any
    disagreement raises :class:`CopyNotVerified` and the target keeps nothing.

    Idempotency records are not copied: they live 24 hours and the ports
    cannot list them. A request retried across the move is therefore applied
    again rather than replayed, one more reason to stop clients (servers and
    workers) during the copy: writes made to the source after its snapshot
    began are not in the target either. Nor are the stored reports of report
    jobs: they are kept for a week only, and can be made again; in the target
    their jobs answer a download with "no longer kept".
    """
    with source().reading() as src, target() as dst:
        held = [kind for kind, rows in _readers(dst).items() if _holds_any(rows())]
        if held:
            raise Conflict(
                f"the target already holds {', '.join(held)}; copy into a new, empty database"
            )
        writers = _writers(dst)
        counts = {
            kind: _copy(kind, rows(), writers[kind], on_progress)
            for kind, rows in _readers(src).items()
        }
        on_progress(VERIFYING, sum(counts.values()))
        report = _verify(counts, _valuation(src), dst)
        if not report.ok:
            raise CopyNotVerified(report)
        dst.commit()
    return report


def _readers(uow: UnitOfWork) -> dict[str, Rows]:
    """Every row of each kind, streamed, or paged where the ports only page (in KINDS order)."""

    def warehouses() -> Iterator[Any]:
        return _paged(uow.warehouses.fetch_page, WAREHOUSE_SORTS, "code")

    def orders() -> Iterator[Any]:
        return _paged(lambda page: uow.orders.fetch_page(OrderFilter(), page), ORDER_SORTS)

    def locations() -> Iterator[Any]:
        for warehouse in warehouses():
            yield from _locations(uow, warehouse.code)

    def jobs() -> Iterator[Any]:
        return _paged(lambda page: uow.jobs.fetch_page(JobFilter(), page), JOB_SORTS)

    return {
        "warehouses": warehouses,
        "locations": locations,
        "products": uow.products.stream,
        "lots": uow.lots.stream,
        "stock_levels": uow.stock.stream,
        "location_stock": uow.stock.stream_slots,
        "serials": uow.serials.stream,
        "movements": lambda: uow.movements.stream(MovementFilter()),
        "orders": orders,
        "api_keys": lambda: iter(uow.api_keys.list_all()),  # tens of keys: one list
        "jobs": jobs,
        "outbox": uow.outbox.stream,
    }


def _writers(uow: UnitOfWork) -> dict[str, Write]:
    """How a batch of each kind is written: in bulk where the ports allow it."""
    return {
        "warehouses": _each(uow.warehouses.add),
        "locations": _each(lambda pair: uow.locations.add(pair[0], default=pair[1])),
        "products": uow.products.add_all,
        "lots": uow.lots.add_all,
        "stock_levels": uow.stock.save_all,
        "location_stock": uow.stock.save_slots,
        "serials": uow.serials.save_all,
        "movements": uow.movements.add_all,
        "orders": _each(uow.orders.add),
        "api_keys": _each(uow.api_keys.add),
        "jobs": _each(uow.jobs.add),
        "outbox": _each(uow.outbox.add),
    }


def _locations(uow: UnitOfWork, warehouse: str) -> Iterator[tuple[Location, bool]]:
    """A warehouse's locations, each with whether it is the default, parents before children."""
    rows = _paged(
        lambda page: uow.locations.fetch_page(warehouse, LocationFilter(), page),
        LOCATION_SORTS,
        "code",
    )
    by_code = {location.code: location for location in rows}
    parents = {code: location.parent for code, location in by_code.items()}
    default = uow.locations.default_of(warehouse)
    for root in sorted(code for code, parent in parents.items() if parent is None):
        for code in (root, *descendants(root, parents)):
            yield by_code[code], code == default


def _copy(kind: str, rows: Iterator[Any], write: Write, on_progress: CopyProgress) -> int:
    done = 0
    while batch := list(islice(rows, BATCH)):
        write(batch)
        done += len(batch)
        on_progress(kind, done)
    return done


def _verify(counts: dict[str, int], valuation: Decimal, dst: UnitOfWork) -> CopyReport:
    """The report of what the target, read back inside its own transaction, holds."""
    mismatches = [
        f"{kind}: {counts[kind]} copied, {found} in the target"
        for kind, rows in _readers(dst).items()
        if (found := _count(rows())) != counts[kind]
    ]
    if (copied := _valuation(dst)) != valuation:
        mismatches.append(f"valuation: {valuation:.4f} in the source, {copied:.4f} in the target")
    # The check opens a snapshot of its own; InSnapshot makes it read the open
    # write transaction instead, so it sees the rows before they are committed.
    drifts = check_integrity(InSnapshot(dst))
    return CopyReport(counts, valuation, tuple(mismatches), tuple(drifts))


def _valuation(uow: UnitOfWork) -> Decimal:
    """Total stock value, summed as the valuation report sums it."""
    total = ZERO
    for row in uow.stock.valuation(None):
        total += value_of(row.on_hand, row.average_cost)
    return total


def _paged(
    fetch: Callable[[PageSpec], list[T]], sorting: Sorting[T], sort: str = "created_at"
) -> Iterator[T]:
    """Every row of a list the ports page by keyset, one page at a time."""
    after = None
    while True:
        rows = fetch(PageSpec(sort, limit=PAGE, after=after))
        yield from rows[:PAGE]
        if len(rows) <= PAGE:
            return
        after = sorting.key(sort, rows[PAGE - 1])


def _each(add: Callable[[T], None]) -> Callable[[Sequence[T]], None]:
    """A batch writer for a kind the ports add one row at a time."""

    def write(batch: Sequence[T]) -> None:
        for row in batch:
            add(row)

    return write


def _holds_any(rows: Iterator[Any]) -> bool:
    try:
        return next(rows, None) is not None
    finally:
        if isinstance(rows, Generator):
            rows.close()  # let a streaming adapter release its cursor now


def _count(rows: Iterable[Any]) -> int:
    return sum(1 for _ in rows)
