"""Stock levels in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from inventory.adapters.memory.table import Table
from inventory.application.listing import LEVEL_SORTS, STOCK_LEVEL_SORTS
from inventory.application.ports import HeldSlot, SlotFigures, SlotKey, StockKey
from inventory.application.queries import LevelFilter, PageSpec, ValuationRow
from inventory.domain.catalog import Product
from inventory.domain.locations import Location
from inventory.domain.lots import Lot
from inventory.domain.stock import SlotLevel, StockLevel


def slot_order(key: SlotKey) -> tuple[str, str, str, str]:
    """A (sku, warehouse, location, lot) key as SQL orders it: no lot is '', first."""
    sku, warehouse, location, lot = key
    return sku, warehouse, location, lot or ""


def holds_stock(level: StockLevel) -> bool:
    return level.on_hand > 0 or level.reserved > 0


class MemoryStockRepository:
    """Levels per (sku, warehouse), and per (sku, warehouse, location, lot) in ``slots``;
    ``locations`` and ``lots`` are read to tell a slot's pickable flag and its lot."""

    def __init__(
        self,
        table: Table[StockKey, StockLevel],
        products: Table[str, Product],
        slots: Table[SlotKey, SlotLevel],
        locations: Table[tuple[str, str], Location],
        lots: Table[tuple[str, str], Lot],
    ) -> None:
        self._table, self._products = table, products
        self._slots, self._locations, self._lots = slots, locations, lots

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, StockLevel]:
        # The store's lock, held by the unit of work, already serialises writers.
        return {key: self._table.get(key) or StockLevel(*key) for key in sorted(set(keys))}

    def save_all(self, levels: Iterable[StockLevel]) -> None:
        for level in levels:
            self._table.put(level.key, level)

    def on_hand_totals(self, skus: Iterable[str]) -> dict[str, int]:
        totals = dict.fromkeys(skus, 0)
        for level in self._table.values():
            if level.sku in totals:
                totals[level.sku] += level.on_hand
        return totals

    def available_totals(self, skus: Iterable[str]) -> dict[str, int]:
        totals = dict.fromkeys(skus, 0)
        for level in self._table.values():
            if level.sku in totals:
                totals[level.sku] += level.available
        return totals

    def of_product(self, sku: str) -> list[StockLevel]:
        return sorted(
            (level for level in self._table.values() if level.sku == sku),
            key=lambda level: level.warehouse,
        )

    def fetch_page(self, warehouse: str, page: PageSpec) -> list[StockLevel]:
        rows = (level for level in self._table.values() if level.warehouse == warehouse)
        return LEVEL_SORTS.select(rows, page)

    def fetch_levels(self, filter: LevelFilter, page: PageSpec) -> list[StockLevel]:
        rows = (
            level
            for level in self._table.values()
            if filter.sku in (None, level.sku) and filter.warehouse in (None, level.warehouse)
        )
        return STOCK_LEVEL_SORTS.select(rows, page)

    def stream(self) -> Iterator[StockLevel]:
        return iter(sorted(self._table.values(), key=lambda level: level.key))

    def valuation(self, warehouse: str | None) -> Iterator[ValuationRow]:
        for level in self.stream():
            if level.on_hand > 0 and warehouse in (None, level.warehouse):
                product = self._products.get(level.sku)
                assert product is not None
                yield ValuationRow(level.sku, level.warehouse, level.on_hand, product.average_cost)

    def slots(self, keys: Iterable[StockKey]) -> list[HeldSlot]:
        wanted = set(keys)
        return self._held(
            level
            for level in self._slots.values()
            if level.key in wanted and (level.on_hand > 0 or level.reserved > 0)
        )

    def save_slots(self, levels: Iterable[SlotLevel]) -> None:
        for level in levels:
            self._slots.put(_slot_key(level), level)

    def slots_of_product(self, sku: str) -> list[HeldSlot]:
        return self._held(
            level for level in self._slots.values() if level.sku == sku and holds_stock(level)
        )

    def slot_figures_of_product(self, sku: str) -> list[SlotFigures]:
        return [
            SlotFigures(
                held.level.warehouse,
                held.level.location,
                held.level.lot,
                None if held.lot is None else held.lot.expires_on,
                held.level.on_hand,
                held.level.reserved,
            )
            for held in self.slots_of_product(sku)
        ]

    def slots_at(self, warehouse: str, locations: Sequence[str]) -> list[HeldSlot]:
        wanted = set(locations)
        held = self._held(
            level
            for level in self._slots.values()
            if level.warehouse == warehouse and level.location in wanted and holds_stock(level)
        )
        return sorted(held, key=lambda h: (h.level.location, h.level.sku, h.level.lot or ""))

    def stream_slots(self) -> Iterator[SlotLevel]:
        return iter(sorted(self._slots.values(), key=lambda level: slot_order(_slot_key(level))))

    def _held(self, levels: Iterable[SlotLevel]) -> list[HeldSlot]:
        """``levels`` by (sku, warehouse, location, lot), each with its location's
        pickable flag (True if the location is unknown) and its lot."""
        held = []
        for level in sorted(levels, key=lambda level: slot_order(_slot_key(level))):
            location = self._locations.get((level.warehouse, level.location))
            lot = None if level.lot is None else self._lots.get((level.sku, level.lot))
            held.append(HeldSlot(level, True if location is None else location.pickable, lot))
        return held


def _slot_key(level: SlotLevel) -> SlotKey:
    return level.sku, level.warehouse, level.location, level.lot
