"""Lots in SQL, written once for SQLite and PostgreSQL (migrations 0012 and 0008).

A lot is made by its first receipt and never changes, but for the day its
expiry alert was queued. Its figures are the sums of its (location, lot)
levels in location_stock. See docs/adr/0020-stock-by-location-and-lot.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.locations import Execute
from inventory.adapters.sql.paging import keyset
from inventory.adapters.sql.rows import Row
from inventory.adapters.sql.slots import CHUNK, WriteMany, date_in, date_out
from inventory.application.ports import LotRow
from inventory.application.queries import ExpiryRow, PageSpec
from inventory.domain.lots import Lot

LOT_COLUMNS = "sku, code, expires_on, manufactured_on, received_at"
LOT_SORTS = {
    # Undated lots after dated ones: the far future stands in for no date.
    "expires_on": ("coalesce(expires_on, '9999-12-31')", "code"),
    "code": ("code",),
}
# Ties by sku, then code, as one text ('/' is in no code): what a cursor holds.
EXPIRING_SORTS = {"expires_on": ("l.expires_on", "l.sku || '/' || l.code")}
_LOT_COLUMNS_OF_L = "l.sku, l.code, l.expires_on, l.manufactured_on, l.received_at"


class SqlLotRepository:
    def __init__(self, execute: Execute, write_many: WriteMany, dialect: Dialect) -> None:
        self._execute, self._write_many, self._dialect = execute, write_many, dialect

    def get_many(self, sku: str, codes: Iterable[str]) -> dict[str, Lot]:
        wanted = sorted(set(codes))
        found: dict[str, Lot] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            cursor = self._execute(
                f"SELECT {LOT_COLUMNS} FROM lots WHERE sku = {self._dialect.mark}"
                f" AND code IN ({self._dialect.marks(len(chunk))})",
                [sku, *chunk],
            )
            for row in cursor.fetchall():
                found[row[1]] = self._lot(row)
        return found

    def add_all(self, lots: Sequence[tuple[str, Lot]]) -> None:
        if not lots:
            return
        time_out = self._dialect.codec.time_out
        rows = [
            (
                sku,
                lot.code,
                date_out(lot.expires_on),
                date_out(lot.manufactured_on),
                time_out(lot.received_at) if lot.received_at is not None else None,
            )
            for sku, lot in lots
        ]
        self._write_many(
            f"INSERT INTO lots ({LOT_COLUMNS}) VALUES ({self._dialect.marks(5)})", rows
        )

    def stream(self) -> Iterator[tuple[str, Lot]]:
        cursor = self._execute(f"SELECT {LOT_COLUMNS} FROM lots ORDER BY sku, code", ())
        for row in cursor:
            yield row[0], self._lot(row)

    def of_product(self, sku: str, page: PageSpec) -> list[Lot]:
        ks = keyset(page, LOT_SORTS, self._dialect)
        after = f" AND {ks.after}" if ks.after is not None else ""
        cursor = self._execute(
            f"SELECT {LOT_COLUMNS} FROM lots WHERE sku = {self._dialect.mark}{after}"
            f" {ks.order_by} LIMIT {self._dialect.mark}",
            [sku, *ks.params, ks.limit],
        )
        return [self._lot(row) for row in cursor.fetchall()]

    def figures(self, sku: str, codes: Sequence[str]) -> list[LotRow]:
        rows: list[LotRow] = []
        mark = self._dialect.mark
        for start in range(0, len(codes), CHUNK):
            chunk = list(codes[start : start + CHUNK])
            cursor = self._execute(
                f"SELECT l.sku, l.code, l.expires_on, l.manufactured_on, l.received_at,"
                " s.warehouse, SUM(s.on_hand), SUM(s.reserved)"
                " FROM lots AS l JOIN location_stock AS s ON s.sku = l.sku AND s.lot = l.code"
                f" WHERE l.sku = {mark} AND l.code IN ({self._dialect.marks(len(chunk))})"
                " GROUP BY l.sku, l.code, l.expires_on, l.manufactured_on, l.received_at,"
                " s.warehouse HAVING SUM(s.on_hand) > 0 OR SUM(s.reserved) > 0"
                " ORDER BY l.code, s.warehouse",
                [sku, *chunk],
            )
            rows.extend(self._figures(row) for row in cursor.fetchall())
        return rows

    def expiring(
        self, before: date | None, warehouse: str | None, page: PageSpec
    ) -> list[tuple[str, Lot]]:
        mark = self._dialect.mark
        conditions = ["l.expires_on IS NOT NULL"]
        params: list[Any] = []
        if before is not None:
            conditions.append(f"l.expires_on < {mark}")
            params.append(date_out(before))
        held = "s.sku = l.sku AND s.lot = l.code AND s.on_hand > 0"
        if warehouse is not None:
            held += f" AND s.warehouse = {mark}"
            params.append(warehouse)
        conditions.append(f"EXISTS (SELECT 1 FROM location_stock AS s WHERE {held})")
        ks = keyset(page, EXPIRING_SORTS, self._dialect)
        if ks.after is not None:
            conditions.append(ks.after)
        cursor = self._execute(
            f"SELECT {_LOT_COLUMNS_OF_L} FROM lots AS l WHERE {' AND '.join(conditions)}"
            f" {ks.order_by} LIMIT {mark}",
            [*params, *ks.params, ks.limit],
        )
        return [(row[0], self._lot(row)) for row in cursor.fetchall()]

    def due_for_warning(self, today: date, warning_days: int) -> list[LotRow]:
        # Only the lots are locked (the figures are subqueries, not joins): a runner
        # that reads a lot another has just marked skips it once that one commits.
        mark = self._dialect.mark
        of_lot = "s.sku = l.sku AND s.lot = l.code"
        cursor = self._execute(
            f"SELECT {_LOT_COLUMNS_OF_L}, NULL,"
            f" (SELECT SUM(s.on_hand) FROM location_stock AS s WHERE {of_lot}),"
            f" (SELECT SUM(s.reserved) FROM location_stock AS s WHERE {of_lot})"
            f" FROM lots AS l WHERE l.warned_on IS NULL AND l.expires_on <= {mark}"
            f" AND EXISTS (SELECT 1 FROM location_stock AS s WHERE {of_lot} AND s.on_hand > 0)"
            f" ORDER BY l.sku, l.code{self._dialect.row_lock}",
            (date_out(today + timedelta(days=warning_days)),),
        )
        return [self._figures(row) for row in cursor.fetchall()]

    def mark_warned(self, lots: Sequence[tuple[str, str]], on: date) -> None:
        mark = self._dialect.mark
        rows = [(date_out(on), sku, code) for sku, code in lots]
        if rows:
            self._write_many(
                f"UPDATE lots SET warned_on = {mark} WHERE sku = {mark} AND code = {mark}", rows
            )

    def expiring_stock(self, until: date, warehouse: str | None) -> Iterator[ExpiryRow]:
        mark = self._dialect.mark
        params: list[Any] = [date_out(until)]
        one_warehouse = ""
        if warehouse is not None:
            one_warehouse = f" AND s.warehouse = {mark}"
            params.append(warehouse)
        cursor = self._execute(
            "SELECT l.sku, l.code, l.expires_on, s.warehouse, SUM(s.on_hand), p.average_cost"
            " FROM lots AS l JOIN location_stock AS s ON s.sku = l.sku AND s.lot = l.code"
            " JOIN products AS p ON p.sku = l.sku"
            f" WHERE l.expires_on <= {mark} AND s.on_hand > 0{one_warehouse}"
            " GROUP BY l.sku, l.code, l.expires_on, s.warehouse, p.average_cost"
            " ORDER BY l.expires_on, l.sku, l.code, s.warehouse",
            params,
        )
        money_in = self._dialect.codec.money_in
        for sku, code, expires_on, in_warehouse, on_hand, average_cost in cursor:
            expiry = date_in(expires_on)
            assert expiry is not None, "only dated lots"
            yield ExpiryRow(sku, code, expiry, in_warehouse, int(on_hand), money_in(average_cost))

    def _lot(self, row: Row) -> Lot:
        received = None if row[4] is None else self._dialect.codec.time_in(row[4])
        return Lot(row[1], date_in(row[2]), date_in(row[3]), received)

    def _figures(self, row: Row) -> LotRow:
        return LotRow(row[0], self._lot(row[:5]), row[5], int(row[6] or 0), int(row[7] or 0))
