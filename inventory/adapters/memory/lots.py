"""Lots in memory: the same answers as the SQL repositories give.

A lot's figures are the sums of its (location, lot) levels, per warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from inventory.adapters.memory.lot_warnings import LotWarnings, expiring_stock
from inventory.adapters.memory.table import Table
from inventory.application.ports import LotRow, SlotKey
from inventory.application.queries import ExpiryRow, PageSpec, SortKey
from inventory.domain.catalog import Product
from inventory.domain.errors import Conflict
from inventory.domain.lots import Lot
from inventory.domain.stock import SlotLevel
from inventory.domain.valuation import ZERO

R = TypeVar("R")

UNDATED = date.max.isoformat()
"""The ``expires_on`` a lot without an expiry date sorts by: after every dated one."""


def _by_code(lot: Lot) -> SortKey:
    return (lot.code,)


def _by_expiry(lot: Lot) -> SortKey:
    return (UNDATED if lot.expires_on is None else lot.expires_on.isoformat(), lot.code)


LOT_POSITIONS: dict[str, Callable[[Lot], SortKey]] = {"code": _by_code, "expires_on": _by_expiry}
"""A lot's position in its product's lots, per sort: ``code`` alone, or ``expires_on``
(as ISO text, ``UNDATED`` for none) then ``code``."""


def expiring_position(row: tuple[str, Lot]) -> SortKey:
    """An expiring lot's position: (expires_on, "sku/code")."""
    sku, lot = row
    assert lot.expires_on is not None
    return (lot.expires_on.isoformat(), f"{sku}/{lot.code}")


def _select(rows: Iterable[R], key: Callable[[R], SortKey], page: PageSpec) -> list[R]:
    """Up to ``limit + 1`` rows strictly after ``page.after`` in ``key`` order."""
    keyed = sorted(((key(row), row) for row in rows), key=lambda pair: pair[0])
    if page.descending:
        keyed.reverse()
    if page.after is not None:
        after = page.after
        keyed = [(k, r) for k, r in keyed if (k < after if page.descending else k > after)]
    return [row for _, row in keyed[: page.limit + 1]]


class MemoryLotRepository:
    """Lots by (sku, code); ``slots`` are the (location, lot) levels their figures sum."""

    def __init__(
        self,
        table: Table[tuple[str, str], Lot],
        slots: Table[SlotKey, SlotLevel],
        warnings: LotWarnings,
        products: Table[str, Product],
    ) -> None:
        self._table, self._slots = table, slots
        self._warnings, self._products = warnings, products

    def due_for_warning(self, today: date, warning_days: int) -> list[LotRow]:
        return self._warnings.due_for_warning(
            self._lot_pairs(), self._slots.values(), today, warning_days
        )

    def mark_warned(self, lots: Sequence[tuple[str, str]], on: date) -> None:
        self._warnings.mark_warned(lots, on)

    def expiring_stock(self, until: date, warehouse: str | None) -> Iterator[ExpiryRow]:
        return expiring_stock(
            self._lot_pairs(), self._slots.values(), self._average_cost, until, warehouse
        )

    def _lot_pairs(self) -> list[tuple[str, Lot]]:
        return [(sku, lot) for (sku, _), lot in self._items()]

    def _average_cost(self, sku: str) -> Decimal:
        product = self._products.get(sku)
        return ZERO if product is None else product.average_cost

    def get_many(self, sku: str, codes: Iterable[str]) -> dict[str, Lot]:
        found = {code: self._table.get((sku, code)) for code in codes}
        return {code: lot for code, lot in found.items() if lot is not None}

    def add_all(self, lots: Sequence[tuple[str, Lot]]) -> None:
        keys = [(sku, lot.code) for sku, lot in lots]
        if len(set(keys)) != len(keys) or any(key in self._table for key in keys):
            raise Conflict("one of the lots already exists")
        for sku, lot in lots:
            self._table.put((sku, lot.code), lot)

    def of_product(self, sku: str, page: PageSpec) -> list[Lot]:
        position = LOT_POSITIONS.get(page.sort)
        if position is None:
            raise ValueError(
                f"cannot sort lots by {page.sort!r}; expected one of {[*LOT_POSITIONS]}"
            )
        return _select((lot for (of, _), lot in self._items() if of == sku), position, page)

    def figures(self, sku: str, codes: Sequence[str]) -> list[LotRow]:
        lots = self.get_many(sku, codes)
        rows = [row for row in self._rows() if row.sku == sku and row.lot.code in lots]
        return sorted(rows, key=lambda row: (row.lot.code, row.warehouse or ""))

    def expiring(
        self, before: date | None, warehouse: str | None, page: PageSpec
    ) -> list[tuple[str, Lot]]:
        if page.sort != "expires_on":
            raise ValueError(f"cannot sort expiring lots by {page.sort!r}; expected expires_on")
        lots = {
            (row.sku, row.lot.code): row.lot
            for row in self._rows()
            if row.on_hand > 0
            and row.lot.expires_on is not None
            and (before is None or row.lot.expires_on < before)
            and warehouse in (None, row.warehouse)
        }
        return _select(((sku, lot) for (sku, _), lot in lots.items()), expiring_position, page)

    def stream(self) -> Iterator[tuple[str, Lot]]:
        for (sku, _), lot in sorted(self._items(), key=lambda item: item[0]):
            yield sku, lot

    def _items(self) -> list[tuple[tuple[str, str], Lot]]:
        return [(key, lot) for key in self._table if (lot := self._table.get(key)) is not None]

    def _rows(self) -> list[LotRow]:
        """One row per (lot, warehouse) whose levels hold or reserve any of it."""
        totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for level in self._slots.values():
            if level.lot is not None:
                figures = totals[level.sku, level.lot, level.warehouse]
                figures[0] += level.on_hand
                figures[1] += level.reserved
        rows = []
        for (sku, code, warehouse), (on_hand, reserved) in totals.items():
            lot = self._table.get((sku, code))
            if lot is not None and (on_hand > 0 or reserved > 0):
                rows.append(LotRow(sku, lot, warehouse, on_hand, reserved))
        return rows
