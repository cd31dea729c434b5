"""Serial-numbered units in SQL, written once for SQLite and PostgreSQL (migrations
0014 and 0010): where each unit is now, and which units each movement line and
order allocation took. See docs/adr/0022-serial-numbers.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.locations import Execute
from inventory.adapters.sql.rows import Row
from inventory.adapters.sql.slots import CHUNK, WriteMany
from inventory.application.errors import RECEIVED_MEANWHILE, Contention
from inventory.application.ports import SlotKey, StockKey
from inventory.domain.serials import SerialState, SerialStatus

SERIAL_COLUMNS = "sku, serial, warehouse, location, status, order_id, received_at"
_HELD = "status IN ('in_stock', 'reserved')"


class SqlSerialRepository:
    """Writers of one product's units queue on the product's row (every use case
    locks it first). Besides, a write unit locks the units it reads by serial, and
    a unit it writes without having read it is inserted, never overwritten: two
    writers that each found a serial new cannot both keep it (the loser's unique
    violation is a lost race, tried again)."""

    def __init__(
        self, execute: Execute, write_many: WriteMany, dialect: Dialect, writing: bool = False
    ) -> None:
        self._execute, self._write_many, self._dialect = execute, write_many, dialect
        self._lock = dialect.lock(writing)
        self._read: set[tuple[str, str]] = set()
        """The (sku, serial) of every unit this unit of work read: stored already."""

    def held(self, keys: Iterable[StockKey]) -> list[SerialState]:
        wanted = sorted(set(keys))
        found: list[SerialState] = []
        mark = self._dialect.mark
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            pairs = ", ".join([f"({mark}, {mark})"] * len(chunk))
            cursor = self._execute(
                f"WITH k (sku, warehouse) AS (VALUES {pairs})"
                f" SELECT {', '.join('s.' + c for c in SERIAL_COLUMNS.split(', '))}"
                " FROM serials AS s JOIN k ON k.sku = s.sku AND k.warehouse = s.warehouse"
                f" WHERE s.{_HELD} ORDER BY s.sku, s.serial",
                [part for key in chunk for part in key],
            )
            found.extend(self._state(row) for row in cursor.fetchall())
        self._read.update((state.sku, state.serial) for state in found)
        return found

    def get_many(self, sku: str, serials: Iterable[str]) -> dict[str, SerialState]:
        wanted = sorted(set(serials))
        found: dict[str, SerialState] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            cursor = self._execute(
                f"SELECT {SERIAL_COLUMNS} FROM serials WHERE sku = {self._dialect.mark}"
                f" AND serial IN ({self._dialect.marks(len(chunk))}){self._lock}",
                [sku, *chunk],
            )
            for row in cursor.fetchall():
                found[row[1]] = self._state(row)
        self._read.update((sku, serial) for serial in found)
        return found

    def held_with_serial(self, serial: str) -> list[SerialState]:
        cursor = self._execute(
            f"SELECT {SERIAL_COLUMNS} FROM serials WHERE serial = {self._dialect.mark}"
            f" AND {_HELD} ORDER BY sku",
            (serial,),
        )
        return [self._state(row) for row in cursor.fetchall()]

    def save_all(self, states: Sequence[SerialState]) -> None:
        if not states:
            return
        time_out = self._dialect.codec.time_out
        latest = {(s.sku, s.serial): s for s in states}
        stored: list[Row] = []
        new: list[Row] = []
        for key, s in sorted(latest.items()):
            row = (s.sku, s.serial, s.warehouse, s.location, s.status.value, s.order_id,
                   time_out(s.received_at))  # fmt: skip
            (stored if key in self._read else new).append(row)
        insert = f"INSERT INTO serials ({SERIAL_COLUMNS}) VALUES ({self._dialect.marks(7)})"
        if stored:
            self._write_many(
                f"{insert} ON CONFLICT (sku, serial) DO UPDATE SET warehouse = excluded.warehouse,"
                " location = excluded.location, status = excluded.status,"
                " order_id = excluded.order_id, received_at = excluded.received_at",
                stored,
            )
        if new:
            try:
                self._write_many(insert, new)  # PostgreSQL: sent with the COMMIT (errors.py)
            except Exception as exc:
                if self._dialect.is_unique_violation(exc):
                    raise Contention(RECEIVED_MEANWHILE) from exc
                raise
        self._read.update(latest)

    def held_by_slot(self) -> Iterator[tuple[SlotKey, int]]:
        cursor = self._execute(
            f"SELECT sku, warehouse, location, COUNT(*) FROM serials WHERE {_HELD}"
            " GROUP BY sku, warehouse, location ORDER BY sku, warehouse, location",
            (),
        )
        for sku, warehouse, location, count in cursor.fetchall():
            yield (sku, warehouse, location, None), int(count)

    def stream(self) -> Iterator[SerialState]:
        cursor = self._execute(f"SELECT {SERIAL_COLUMNS} FROM serials ORDER BY sku, serial", ())
        for row in cursor:
            yield self._state(row)

    def _state(self, row: Row) -> SerialState:
        sku, serial, warehouse, location, status, order_id, received_at = row
        return SerialState(
            sku,
            serial,
            warehouse,
            location,
            SerialStatus(status),
            self._dialect.codec.time_in(received_at),
            order_id,
        )


def movement_serial_rows(movements: Iterable[Any]) -> list[Row]:
    """The movement_serials rows of ``movements`` (each a domain Movement)."""
    return [
        (m.id, n, k, serial)
        for m in movements
        for n, line in enumerate(m.lines)
        for k, serial in enumerate(line.serials)
    ]


def touching_serial_movement_ids(
    execute: Execute, dialect: Dialect, sku: str, serial: str
) -> list[str]:
    mark = dialect.mark
    cursor = execute(
        "SELECT DISTINCT m.id, m.created_at FROM movement_serials AS s"
        " JOIN movements AS m ON m.id = s.movement_id"
        f" WHERE s.serial = {mark} AND m.sku = {mark} ORDER BY m.created_at, m.id",
        (serial, sku),
    )
    return [row[0] for row in cursor.fetchall()]


def order_serial_rows(order_id: str, lines: Sequence[Any]) -> list[Row]:
    """The order_allocation_serials rows of an order's ``lines`` (domain OrderLines)."""
    return [
        (order_id, line_no, n, k, serial)
        for line_no, line in enumerate(lines)
        for n, a in enumerate(line.allocations)
        for k, serial in enumerate(a.serials)
    ]
