"""Expiry alerts and the expiry report in memory: what the memory lot repository answers.

Plain functions over the lots, their (location, lot) levels and each lot's
``warned_on``, the same answers as ``SqlLotRepository`` gives; the memory
``LotRepository`` calls them with its tables (:class:`LotWarnings` keeps ``warned_on``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

from inventory.adapters.memory.table import Table
from inventory.application.ports import LotRow
from inventory.application.queries import ExpiryRow
from inventory.domain.lots import Lot
from inventory.domain.stock import SlotLevel

LotKey = tuple[str, str]
"""(sku, lot code)."""


class LotWarnings:
    """The day each lot's expiry alert was queued, by (sku, code): the ``warned_on`` column.

    Its table is staged and committed with the unit of work's other tables, and
    the store's lock (held by a write unit) serialises runners that look at once.
    """

    def __init__(self, table: Table[LotKey, date]) -> None:
        self._table = table

    def due_for_warning(
        self,
        lots: Iterable[tuple[str, Lot]],
        slots: Iterable[SlotLevel],
        today: date,
        warning_days: int,
    ) -> list[LotRow]:
        return due_for_warning(lots, slots, self._table.__contains__, today, warning_days)

    def mark_warned(self, lots: Sequence[LotKey], on: date) -> None:
        for key in lots:
            self._table.put(key, on)


def due_for_warning(
    lots: Iterable[tuple[str, Lot]],
    slots: Iterable[SlotLevel],
    warned: Callable[[LotKey], bool],
    today: date,
    warning_days: int,
) -> list[LotRow]:
    """Lots never warned of, expiring on or before ``today + warning_days``, with units on
    hand anywhere: totals over every warehouse (``warehouse`` None), by (sku, code)."""
    until = today + timedelta(days=warning_days)
    on_hand: dict[LotKey, int] = {}
    reserved: dict[LotKey, int] = {}
    for slot in slots:
        if slot.lot is not None:
            key = (slot.sku, slot.lot)
            on_hand[key] = on_hand.get(key, 0) + slot.on_hand
            reserved[key] = reserved.get(key, 0) + slot.reserved
    due = [
        LotRow(sku, lot, None, on_hand[(sku, lot.code)], reserved[(sku, lot.code)])
        for sku, lot in lots
        if lot.expires_on is not None
        and lot.expires_on <= until
        and not warned((sku, lot.code))
        and on_hand.get((sku, lot.code), 0) > 0
    ]
    return sorted(due, key=lambda row: (row.sku, row.lot.code))


def expiring_stock(
    lots: Iterable[tuple[str, Lot]],
    slots: Iterable[SlotLevel],
    average_cost: Callable[[str], Decimal],
    until: date,
    warehouse: str | None,
) -> Iterator[ExpiryRow]:
    """Units on hand per (sku, lot, warehouse) of the lots expiring on or before ``until``,
    by (expires_on, sku, code, warehouse); ``average_cost`` gives a product's by sku."""
    expiry = {
        (sku, lot.code): lot.expires_on
        for sku, lot in lots
        if lot.expires_on is not None and lot.expires_on <= until
    }
    on_hand: dict[tuple[str, str, str], int] = {}
    for slot in slots:
        if slot.lot is None or (slot.sku, slot.lot) not in expiry or slot.on_hand <= 0:
            continue
        if warehouse is not None and slot.warehouse != warehouse:
            continue
        key = (slot.sku, slot.lot, slot.warehouse)
        on_hand[key] = on_hand.get(key, 0) + slot.on_hand
    for sku, code, in_warehouse in sorted(on_hand, key=lambda key: (expiry[key[:2]], *key)):
        expires_on = expiry[(sku, code)]
        assert expires_on is not None
        units = on_hand[(sku, code, in_warehouse)]
        yield ExpiryRow(sku, code, expires_on, in_warehouse, units, average_cost(sku))
