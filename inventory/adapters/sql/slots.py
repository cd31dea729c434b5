"""Stock per location and lot, and the lines of movements and orders, in SQL.

Written once for SQLite and PostgreSQL (migrations 0012 and 0008); ``lot`` is ''
in a row without one (it is part of keys), None in Python. See
docs/adr/0020-stock-by-location-and-lot.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from itertools import groupby
from typing import Any

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.locations import Execute
from inventory.adapters.sql.rows import Row
from inventory.application.ports import HeldSlot, SlotFigures, SlotKey, StockKey
from inventory.domain.lots import Lot
from inventory.domain.movements import OUTFLOWS, MoveLine, Movement
from inventory.domain.orders import Order, OrderLine
from inventory.domain.picking import Allocation
from inventory.domain.stock import SlotLevel

Lines = tuple[MoveLine, ...]
WriteMany = Callable[[str, list[Row]], object]
"""Run one statement once per row of parameters (nobody reads a result)."""

CHUNK = 400
"""Keys per statement: well under SQLite's 999 parameters with two per key."""

SLOT_COLUMNS = "sku, warehouse, location, lot, on_hand, reserved"
HELD = (  # every (location, lot) level with its location's pickable flag and its lot
    "SELECT s.sku, s.warehouse, s.location, s.lot, s.on_hand, s.reserved, loc.pickable,"
    " l.expires_on, l.manufactured_on, l.received_at"
    " FROM location_stock AS s"
    " JOIN locations AS loc ON loc.warehouse = s.warehouse AND loc.code = s.location"
    " LEFT JOIN lots AS l ON l.sku = s.sku AND l.code = s.lot"
)
FIGURES = (  # what a product's detail shows of each level: figures and the lot's expiry
    "SELECT s.warehouse, s.location, s.lot, l.expires_on, s.on_hand, s.reserved"
    " FROM location_stock AS s"
    " LEFT JOIN lots AS l ON l.sku = s.sku AND l.code = s.lot"
)
NOT_EMPTY = "(s.on_hand > 0 OR s.reserved > 0)"
"""A level a writer needs: one emptied stays stored (its key names a place and a lot
once used) but weighs on no write, however many pile up over the years."""
_UPSERT_SLOT = (
    f"INSERT INTO location_stock ({SLOT_COLUMNS}) VALUES ({{marks}})"
    " ON CONFLICT (sku, warehouse, location, lot)"
    " DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved"
)
MOVEMENT_LINE_COLUMNS = "movement_id, n, location, to_location, lot, quantity"
ORDER_ALLOCATION_COLUMNS = "order_id, line_no, n, location, lot, quantity"
MOVEMENT_SERIAL_COLUMNS = "movement_id, n, k, serial"
ORDER_SERIAL_COLUMNS = "order_id, line_no, n, k, serial"

_OUTFLOW_TYPES = ", ".join(f"'{type.value}'" for type in sorted(OUTFLOWS))
# The domain's sign rule (movements.OUTFLOWS) per line, as ON_HAND_BY_LEDGER has it per movement.
SLOTS_BY_LEDGER = f"""
SELECT sku, warehouse, location, lot, SUM(delta) FROM (
    SELECT m.sku, m.warehouse, a.location, a.lot,
           CASE WHEN m.type IN ({_OUTFLOW_TYPES}) THEN -a.quantity ELSE a.quantity END AS delta
      FROM movements AS m JOIN movement_allocations AS a ON a.movement_id = m.id
    UNION ALL
    SELECT m.sku, m.to_warehouse, a.to_location, a.lot, a.quantity
      FROM movements AS m JOIN movement_allocations AS a ON a.movement_id = m.id
     WHERE m.type = 'transfer'
) AS deltas
GROUP BY sku, warehouse, location, lot
ORDER BY sku, warehouse, location, lot
"""
RESERVED_SLOTS_BY_OPEN_ORDERS = (
    "SELECT l.sku, o.warehouse, a.location, a.lot, SUM(a.quantity)"
    " FROM orders AS o JOIN order_lines AS l ON l.order_id = o.id"
    " JOIN order_allocations AS a ON a.order_id = l.order_id AND a.line_no = l.line_no"
    " WHERE o.status = 'reserved'"
    " GROUP BY l.sku, o.warehouse, a.location, a.lot"
    " ORDER BY l.sku, o.warehouse, a.location, a.lot"
)


def deferred(tx: Any) -> WriteMany:
    """A PostgreSQL transaction's way to write many rows: sent with its next statement."""

    def write_many(sql: str, rows: list[Row]) -> None:
        if rows:
            tx.defer(sql, rows, many=True)

    return write_many


def lot_out(lot: str | None) -> str:
    return "" if lot is None else lot


def lot_in(stored: str) -> str | None:
    return stored or None


def date_in(stored: Any) -> date | None:
    if stored is None or isinstance(stored, date):
        return stored
    return date.fromisoformat(stored)


def date_out(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _keys_cte(dialect: Dialect, count: int) -> str:
    # A CTE of (sku, warehouse) pairs: the same text in both dialects.
    pairs = ", ".join([f"({dialect.mark}, {dialect.mark})"] * count)
    return f"WITH k (sku, warehouse) AS (VALUES {pairs}) "


class SqlSlotStore:
    """The (location, lot) levels of the stock repositories."""

    def __init__(self, execute: Execute, write_many: WriteMany, dialect: Dialect) -> None:
        self._execute, self._write_many, self._dialect = execute, write_many, dialect

    def slots(self, keys: Iterable[StockKey]) -> list[HeldSlot]:
        wanted = sorted(set(keys))
        held: list[HeldSlot] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            cursor = self._execute(
                _keys_cte(self._dialect, len(chunk))
                + HELD
                + " JOIN k ON k.sku = s.sku AND k.warehouse = s.warehouse"
                f" WHERE {NOT_EMPTY} ORDER BY s.sku, s.warehouse, s.location, s.lot",
                [part for key in chunk for part in key],
            )
            held.extend(self.held(row) for row in cursor.fetchall())
        return held

    def save_slots(self, levels: Iterable[SlotLevel]) -> None:
        latest = {(lv.sku, *lv.slot): lv for lv in levels}
        if not latest:
            return
        rows = [
            (lv.sku, lv.warehouse, lv.location, lot_out(lv.lot), lv.on_hand, lv.reserved)
            for _, lv in sorted(latest.items(), key=lambda kv: _slot_order(kv[0]))
        ]
        self._write_many(_UPSERT_SLOT.format(marks=self._dialect.marks(6)), rows)

    def slots_of_product(self, sku: str) -> list[HeldSlot]:
        cursor = self._execute(
            f"{HELD} WHERE s.sku = {self._dialect.mark} AND {NOT_EMPTY}"
            " ORDER BY s.warehouse, s.location, s.lot",
            (sku,),
        )
        lots: dict[str, Lot] = {}
        return [self.held(row, lots) for row in cursor.fetchall()]

    def slot_figures_of_product(self, sku: str) -> list[SlotFigures]:
        cursor = self._execute(
            f"{FIGURES} WHERE s.sku = {self._dialect.mark} AND {NOT_EMPTY}"
            " ORDER BY s.warehouse, s.location, s.lot",
            (sku,),
        )
        expiry: dict[object, date | None] = {}  # a few lots over many bins: each date read once
        figures = []
        for warehouse, location, lot, expires_on, on_hand, reserved in cursor.fetchall():
            if expires_on not in expiry:
                expiry[expires_on] = date_in(expires_on)
            figures.append(
                SlotFigures(warehouse, location, lot_in(lot), expiry[expires_on], on_hand, reserved)
            )
        return figures

    def slots_at(self, warehouse: str, locations: Sequence[str]) -> list[HeldSlot]:
        held: list[HeldSlot] = []
        mark = self._dialect.mark
        for start in range(0, len(locations), CHUNK):
            chunk = list(locations[start : start + CHUNK])
            cursor = self._execute(
                f"{HELD} WHERE s.warehouse = {mark}"
                f" AND s.location IN ({self._dialect.marks(len(chunk))})"
                f" AND {NOT_EMPTY}",
                [warehouse, *chunk],
            )
            held.extend(self.held(row) for row in cursor.fetchall())
        held.sort(key=lambda h: (h.level.location, h.level.sku, lot_out(h.level.lot)))
        return held

    def stream_slots(self) -> Iterator[SlotLevel]:
        cursor = self._execute(
            f"SELECT {SLOT_COLUMNS} FROM location_stock ORDER BY sku, warehouse, location, lot", ()
        )
        for row in cursor:
            yield slot_from_row(row)

    def held(self, row: Row, lots: dict[str, Lot] | None = None) -> HeldSlot:
        """The slot of ``row``; its lot is taken from ``lots`` when one query met it before
        (a product's detail holds each lot in many bins), and kept there."""
        level = slot_from_row(row[:6])
        lot = None
        if level.lot is not None and row[9] is not None:
            lot = None if lots is None else lots.get(level.lot)
            if lot is None:
                lot = Lot(
                    level.lot, date_in(row[7]), date_in(row[8]), self._dialect.codec.time_in(row[9])
                )
                if lots is not None:
                    lots[level.lot] = lot
        return HeldSlot(level, bool(row[6]), lot)


def slot_from_row(row: Row) -> SlotLevel:
    sku, warehouse, location, lot, on_hand, reserved = row
    return SlotLevel(sku, warehouse, int(on_hand), int(reserved), location, lot_in(lot))


def _slot_order(key: SlotKey) -> tuple[str, str, str, str]:
    return (key[0], key[1], key[2], lot_out(key[3]))


def movement_line_rows(movements: Iterable[Any]) -> list[Row]:
    """The movement_allocations rows of ``movements`` (each a domain Movement)."""
    return [
        (m.id, n, line.location, line.to_location, lot_out(line.lot), line.quantity)
        for m in movements
        for n, line in enumerate(m.lines)
    ]


def movement_lines(
    execute: Execute, dialect: Dialect, ids: Sequence[str]
) -> dict[str, tuple[MoveLine, ...]]:
    """The lines of the movements ``ids``, by movement id, in their order, each with its
    serials (one row per serial, joined in the same query: no round trip more)."""
    found: dict[str, list[MoveLine]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        cursor = execute(
            "SELECT a.movement_id, a.n, a.location, a.to_location, a.lot, a.quantity, s.serial"
            " FROM movement_allocations AS a LEFT JOIN movement_serials AS s"
            " ON s.movement_id = a.movement_id AND s.n = a.n"
            f" WHERE a.movement_id IN ({dialect.marks(len(chunk))})"
            " ORDER BY a.movement_id, a.n, s.k",
            chunk,
        )
        for (movement_id, _), rows in groupby(cursor.fetchall(), key=lambda r: (r[0], r[1])):
            line = list(rows)
            _, _, location, to_location, lot, quantity, _ = line[0]
            serials = tuple(row[6] for row in line if row[6] is not None)
            found.setdefault(movement_id, []).append(
                MoveLine(location, lot_in(lot), int(quantity), to_location, serials)
            )
    return {movement_id: tuple(lines) for movement_id, lines in found.items()}


def order_allocation_rows(order_id: str, lines: Sequence[OrderLine]) -> list[Row]:
    return [
        (order_id, line_no, n, a.location, lot_out(a.lot), a.quantity)
        for line_no, line in enumerate(lines)
        for n, a in enumerate(line.allocations)
    ]


def order_allocations(
    execute: Execute, dialect: Dialect, ids: Sequence[str]
) -> dict[tuple[str, int], tuple[Allocation, ...]]:
    """The allocations of every line of the orders ``ids``, by (order id, line number),
    each with its serials (joined in the same query)."""
    found: dict[tuple[str, int], list[Allocation]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        cursor = execute(
            "SELECT a.order_id, a.line_no, a.n, a.location, a.lot, a.quantity, s.serial"
            " FROM order_allocations AS a LEFT JOIN order_allocation_serials AS s"
            " ON s.order_id = a.order_id AND s.line_no = a.line_no AND s.n = a.n"
            f" WHERE a.order_id IN ({dialect.marks(len(chunk))})"
            " ORDER BY a.order_id, a.line_no, a.n, s.k",
            chunk,
        )
        for _, rows in groupby(cursor.fetchall(), key=lambda r: (r[0], r[1], r[2])):
            allocation = list(rows)
            order_id, line_no, _, location, lot, quantity, _ = allocation[0]
            serials = tuple(row[6] for row in allocation if row[6] is not None)
            found.setdefault((order_id, int(line_no)), []).append(
                Allocation(location, lot_in(lot), int(quantity), serials)
            )
    return {key: tuple(allocations) for key, allocations in found.items()}


def touching_lot_movement_ids(execute: Execute, dialect: Dialect, sku: str, lot: str) -> list[str]:
    mark = dialect.mark
    cursor = execute(
        "SELECT DISTINCT m.id, m.created_at FROM movement_allocations AS a"
        " JOIN movements AS m ON m.id = a.movement_id"
        f" WHERE a.lot = {mark} AND m.sku = {mark} ORDER BY m.created_at, m.id",
        (lot, sku),
    )
    return [row[0] for row in cursor.fetchall()]


def touching_lot_order_ids(execute: Execute, dialect: Dialect, sku: str, lot: str) -> list[str]:
    mark = dialect.mark
    cursor = execute(
        "SELECT DISTINCT o.id, o.created_at FROM order_allocations AS a"
        " JOIN order_lines AS l ON l.order_id = a.order_id AND l.line_no = a.line_no"
        " JOIN orders AS o ON o.id = a.order_id"
        f" WHERE a.lot = {mark} AND l.sku = {mark} ORDER BY o.created_at, o.id",
        (lot, sku),
    )
    return [row[0] for row in cursor.fetchall()]


def with_lines(
    movements: Iterable[Movement], lines_of: Callable[[Sequence[str]], Mapping[str, Lines]]
) -> Iterator[Movement]:
    """``movements`` with their lines, read ``CHUNK`` movements at a time."""
    batch: list[Movement] = []
    for movement in movements:
        batch.append(movement)
        if len(batch) == CHUNK:
            yield from _attached(batch, lines_of)
            batch = []
    if batch:
        yield from _attached(batch, lines_of)


def _attached(
    batch: list[Movement], lines_of: Callable[[Sequence[str]], Mapping[str, Lines]]
) -> Iterator[Movement]:
    lines = lines_of([m.id for m in batch])
    for m in batch:
        yield replace(m, lines=lines.get(m.id, ()))


def with_allocations(
    orders: list[Order], allocations: Mapping[tuple[str, int], tuple[Allocation, ...]]
) -> list[Order]:
    """``orders`` with each line's allocations."""
    for order in orders:
        order.lines = tuple(
            replace(line, allocations=allocations.get((order.id, n), ()))
            for n, line in enumerate(order.lines)
        )
    return orders
