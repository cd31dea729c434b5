"""Stock levels and the append-only ledger in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg

from inventory.adapters.postgres.rows import (
    DIALECT,
    Transaction,
    level_from_row,
    movement_from_row,
    movement_row,
    stream_rows,
)
from inventory.adapters.sql.paging import keyset
from inventory.adapters.sql.queries import select_levels, select_movements
from inventory.adapters.sql.schema import (
    BY_CREATION,
    LEDGER_ORDER,
    LEVEL_COLUMNS,
    LEVEL_SORTS,
    MOVEMENT_COLUMNS,
    ON_HAND_BY_LEDGER,
)
from inventory.adapters.sql.serials import movement_serial_rows, touching_serial_movement_ids
from inventory.adapters.sql.slots import (
    HELD,
    MOVEMENT_LINE_COLUMNS,
    MOVEMENT_SERIAL_COLUMNS,
    NOT_EMPTY,
    SLOTS_BY_LEDGER,
    Lines,
    SqlSlotStore,
    deferred,
    lot_in,
    movement_line_rows,
    movement_lines,
    touching_lot_movement_ids,
    with_lines,
)
from inventory.application.ports import HeldSlot, SlotKey, StockKey
from inventory.application.queries import LevelFilter, MovementFilter, PageSpec, ValuationRow
from inventory.domain.errors import Conflict
from inventory.domain.movements import Movement
from inventory.domain.stock import SlotLevel, StockLevel

# Creates the levels that do not exist yet and locks every one, in the order
# given. ON CONFLICT DO UPDATE locks a conflicting row even when its WHERE
# says not to update it, so nothing is written for levels that exist. Keys
# naming no product or warehouse are left out: the use case refuses them.
_CREATE_AND_LOCK = (
    "INSERT INTO stock_levels (sku, warehouse, on_hand, reserved)"
    " SELECT k.sku, k.warehouse, 0, 0"
    " FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS k (sku, warehouse, n)"
    " JOIN products AS p ON p.sku = k.sku JOIN warehouses AS w ON w.code = k.warehouse"
    " ORDER BY k.n"
    " ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = stock_levels.on_hand WHERE false"
    " RETURNING sku, warehouse"
)
_READ_LOCKED = (
    f"SELECT {LEVEL_COLUMNS} FROM stock_levels"
    " WHERE (sku, warehouse) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
)
_SLOTS_LOCKED = (
    f"{HELD} JOIN unnest(%s::text[], %s::text[]) AS k (sku, warehouse)"
    " ON k.sku = s.sku AND k.warehouse = s.warehouse"
    f" WHERE {NOT_EMPTY} ORDER BY s.sku, s.warehouse, s.location, s.lot"
)
# One statement for a whole batch: one round trip, and the cache trigger runs
# once for it rather than once a level (migration 0005).
_UPSERT = (
    f"INSERT INTO stock_levels ({LEVEL_COLUMNS})"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[])"
    " ON CONFLICT (sku, warehouse)"
    " DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved"
)

COPY_THRESHOLD = 64
"""From this many movements on, ``add_all`` streams them with COPY instead of INSERTs."""


class PostgresStockRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        slots = self._slot_store = SqlSlotStore(tx.execute, deferred(tx), DIALECT)
        self.slots_of_product, self.slots_at = slots.slots_of_product, slots.slots_at
        self.slot_figures_of_product = slots.slot_figures_of_product
        self.stream_slots = slots.stream_slots
        self._placeholders: set[StockKey] = set()
        """Levels created by ``lock`` only to hold their lock, not saved since."""
        self._available: tuple[int, dict[str, int]] | None = None
        """The available totals the last ``_totals`` read, and the statement count then."""
        self._slots_read: tuple[set[StockKey], list[HeldSlot]] | None = None
        """The (location, lot) levels under the levels ``lock`` just locked, read with them."""

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, StockLevel]:
        """Lock every level in (sku, warehouse) order, creating missing ones at zero.

        One fixed order for every unit of work means two units that want some
        of the same levels cannot each hold one the other is waiting for. A
        level created here and never saved stays at zero on hand, zero
        reserved: the same figures as no level at all.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        if self._tx.writing:
            # All in one round trip: the reads see what the insert made, and the
            # (location, lot) levels under the locked levels come with them.
            made, read, slots = self._tx.execute_all(self.lock_statements(wanted))
            self.note_made(made)
            rows = read.fetchall()
            held = [self._slot_store.held(row) for row in slots.fetchall()]
            self._slots_read = (set(wanted), held)
        else:
            rows = self._tx.execute(_READ_LOCKED, _columns(wanted)).fetchall()
        stored = {(row[0], row[1]): level_from_row(row) for row in rows}
        return {key: stored.get(key) or StockLevel(key[0], key[1]) for key in wanted}

    def lock_statements(self, keys: Iterable[StockKey]) -> list[tuple[str, Any]]:
        """What ``lock`` sends in a write unit (to read it ahead): make, read, slots."""
        columns = _columns(sorted(set(keys)))
        return [(_CREATE_AND_LOCK, columns), (_READ_LOCKED, columns), (_SLOTS_LOCKED, columns)]

    def note_made(self, made: psycopg.Cursor[Any]) -> None:
        """Keep the levels ``lock``'s first statement made, to drop unless saved; the
        cursor is left at its start, to be read again."""
        rows = made.fetchall()
        self._placeholders.update((sku, code) for sku, code in rows)
        if rows:
            made.scroll(0, mode="absolute")

    def slots(self, keys: Iterable[StockKey]) -> list[HeldSlot]:
        wanted = set(keys)
        read, self._slots_read = self._slots_read, None
        if read is not None and read[0] == wanted:  # nothing wrote them since: read with the lock
            return read[1]
        return self._slot_store.slots(wanted)

    def save_slots(self, levels: Iterable[SlotLevel]) -> None:
        self._slots_read = None
        self._slot_store.save_slots(levels)

    def save_all(self, levels: Iterable[StockLevel]) -> None:
        # The last of a level named twice wins, as it would saved one by one; in
        # (sku, warehouse) order, the order every unit locks levels in.
        latest = {(lv.sku, lv.warehouse): lv for lv in levels}
        if not latest:
            return
        self._placeholders.difference_update(latest)
        rows = [latest[key] for key in sorted(latest)]
        self._tx.defer(  # sent with the next statement: the COMMIT, most often
            _UPSERT,
            (
                [lv.sku for lv in rows],
                [lv.warehouse for lv in rows],
                [lv.on_hand for lv in rows],
                [lv.reserved for lv in rows],
            ),
        )

    def drop_placeholders(self) -> None:
        """Remove the levels ``lock`` created and nobody saved: call it before committing."""
        if self._placeholders:
            keys = sorted(self._placeholders)
            self._tx.defer(
                "DELETE FROM stock_levels WHERE (sku, warehouse) IN"
                " (SELECT * FROM unnest(%s::text[], %s::text[]))",
                ([sku for sku, _ in keys], [code for _, code in keys]),
            )
            self._placeholders.clear()

    def forget_placeholders(self) -> None:
        """After a rollback: the levels ``lock`` created are gone with it."""
        self._placeholders.clear()

    def on_hand_totals(self, skus: Iterable[str]) -> dict[str, int]:
        return self._totals(skus)[0]

    def available_totals(self, skus: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(skus))
        kept, self._available = self._available, None
        if kept is not None and kept[0] == self._tx.serial and sorted(kept[1]) == wanted:
            return kept[1]
        return self._totals(wanted)[1]

    def of_product(self, sku: str) -> list[StockLevel]:
        rows = self._tx.execute(
            f"SELECT {LEVEL_COLUMNS} FROM stock_levels WHERE sku = %s ORDER BY warehouse", (sku,)
        ).fetchall()
        return [level_from_row(row) for row in rows]

    def fetch_page(self, warehouse: str, page: PageSpec) -> list[StockLevel]:
        ks = keyset(page, LEVEL_SORTS, DIALECT)
        after = f" AND {ks.after}" if ks.after is not None else ""
        rows = self._tx.execute(
            f"SELECT {LEVEL_COLUMNS} FROM stock_levels"
            f" WHERE warehouse = %s{after} {ks.order_by} LIMIT %s",
            [warehouse, *ks.params, ks.limit],
        ).fetchall()
        return [level_from_row(row) for row in rows]

    def fetch_levels(self, filter: LevelFilter, page: PageSpec) -> list[StockLevel]:
        sql, params = select_levels(filter, page, DIALECT)
        return [level_from_row(row) for row in self._tx.execute(sql, params).fetchall()]

    def stream(self) -> Iterator[StockLevel]:
        sql = f"SELECT {LEVEL_COLUMNS} FROM stock_levels ORDER BY sku, warehouse"
        for row in stream_rows(self._tx, sql):
            yield level_from_row(row)

    def valuation(self, warehouse: str | None) -> Iterator[ValuationRow]:
        one_warehouse = " AND s.warehouse = %s" if warehouse is not None else ""
        sql = (
            "SELECT s.sku, s.warehouse, s.on_hand, p.average_cost"
            " FROM stock_levels AS s JOIN products AS p ON p.sku = s.sku"
            f" WHERE s.on_hand > 0{one_warehouse} ORDER BY s.sku, s.warehouse"
        )
        for sku, code, on_hand, average_cost in stream_rows(
            self._tx, sql, () if warehouse is None else (warehouse,)
        ):
            yield ValuationRow(sku, code, on_hand, average_cost)

    def _totals(self, skus: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
        """On hand and available by sku, in one statement.

        The available figures are kept for an ``available_totals`` of the same
        skus that comes next, with no statement between (use cases ask for
        both in turn): the same answer as a second statement, one round trip less.
        """
        wanted = sorted(set(skus))
        on_hand, available = dict.fromkeys(wanted, 0), dict.fromkeys(wanted, 0)
        if wanted:
            rows = self._tx.execute(*self.totals_statement(wanted)).fetchall()
            for sku, held, free in rows:
                on_hand[sku], available[sku] = int(held), int(free)
        self._available = (self._tx.serial, available)
        return on_hand, available

    def totals_statement(self, skus: Iterable[str]) -> tuple[str, Any]:
        """What reading the totals of ``skus`` sends (to read it ahead)."""
        return (
            "SELECT sku, sum(on_hand), sum(on_hand - reserved) FROM stock_levels"
            " WHERE sku = ANY(%s) GROUP BY sku",
            (sorted(set(skus)),),
        )


def _columns(keys: Sequence[StockKey]) -> tuple[list[str], list[str]]:
    return [sku for sku, _ in keys], [code for _, code in keys]


def _taken_movement_id(exc: psycopg.Error) -> Exception | None:
    if isinstance(exc, pg.UniqueViolation) and exc.diag.table_name == "movements":
        return Conflict("a movement with this id already exists")
    return None


class PostgresMovementRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, movement: Movement) -> None:
        self.add_all((movement,))

    def add_all(self, movements: Sequence[Movement]) -> None:
        rows = [movement_row(m) for m in movements]
        if not rows:
            return
        lines = movement_line_rows(movements)
        serials = movement_serial_rows(movements)
        if len(rows) < COPY_THRESHOLD:  # sent with the next statement: the COMMIT, most often
            self._tx.defer(
                f"INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES ({DIALECT.marks(14)})",
                rows,
                many=True,
                check=_taken_movement_id,
            )
            if lines:
                self._tx.defer(
                    f"INSERT INTO movement_allocations ({MOVEMENT_LINE_COLUMNS})"
                    f" VALUES ({DIALECT.marks(6)})",
                    lines,
                    many=True,
                )
            if serials:
                self._tx.defer(
                    f"INSERT INTO movement_serials ({MOVEMENT_SERIAL_COLUMNS})"
                    f" VALUES ({DIALECT.marks(4)})",
                    serials,
                    many=True,
                )
            return
        try:
            with self._tx.conn.cursor() as cursor:
                with cursor.copy(f"COPY movements ({MOVEMENT_COLUMNS}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                with cursor.copy(
                    f"COPY movement_allocations ({MOVEMENT_LINE_COLUMNS}) FROM STDIN"
                ) as copy:
                    for line in lines:
                        copy.write_row(line)
                with cursor.copy(
                    f"COPY movement_serials ({MOVEMENT_SERIAL_COLUMNS}) FROM STDIN"
                ) as copy:
                    for serial in serials:
                        copy.write_row(serial)
        except pg.UniqueViolation as exc:
            raise Conflict("a movement with this id already exists") from exc

    def get(self, id: str) -> Movement | None:
        row = self._tx.execute(
            f"SELECT {MOVEMENT_COLUMNS} FROM movements WHERE id = %s", (id,)
        ).fetchone()
        if row is None:
            return None
        return next(with_lines([movement_from_row(row)], self._lines_of))

    def fetch_page(self, filter: MovementFilter, page: PageSpec) -> list[Movement]:
        ks = keyset(page, BY_CREATION, DIALECT)
        sql, params = select_movements(filter, ks, DIALECT)
        rows = self._tx.execute(f"{sql} {ks.order_by} LIMIT %s", [*params, ks.limit]).fetchall()
        return list(with_lines([movement_from_row(row) for row in rows], self._lines_of))

    def stream(self, filter: MovementFilter) -> Iterator[Movement]:
        sql, params = select_movements(filter, None, DIALECT)
        rows = stream_rows(self._tx, f"{sql} {LEDGER_ORDER}", params)
        return with_lines((movement_from_row(row) for row in rows), self._lines_of)

    def slots_by_ledger(self) -> Iterator[tuple[SlotKey, int]]:
        for sku, warehouse, location, lot, on_hand in stream_rows(self._tx, SLOTS_BY_LEDGER):
            yield (sku, warehouse, location, lot_in(lot)), int(on_hand)

    def touching_lot(self, sku: str, lot: str) -> list[Movement]:
        return self._with_ids(touching_lot_movement_ids(self._tx.execute, DIALECT, sku, lot))

    def touching_serial(self, sku: str, serial: str) -> list[Movement]:
        return self._with_ids(touching_serial_movement_ids(self._tx.execute, DIALECT, sku, serial))

    def _with_ids(self, ids: list[str]) -> list[Movement]:
        rows = self._tx.execute(
            f"SELECT {MOVEMENT_COLUMNS} FROM movements WHERE id = ANY(%s)", (ids,)
        ).fetchall()
        found = {row[0]: movement_from_row(row) for row in rows}
        return list(with_lines([found[id] for id in ids], self._lines_of))

    def _lines_of(self, ids: Sequence[str]) -> dict[str, Lines]:
        return movement_lines(self._conn_execute, DIALECT, ids)

    def _conn_execute(self, sql: str, params: Sequence[Any]) -> Any:
        # A plain cursor beside a streaming one: lines are read while a stream is open.
        return self._tx.conn.execute(sql, params)

    def on_hand_by_ledger(self) -> Iterator[tuple[StockKey, int]]:
        for sku, warehouse, on_hand in stream_rows(self._tx, ON_HAND_BY_LEDGER):
            yield (sku, warehouse), int(on_hand)
