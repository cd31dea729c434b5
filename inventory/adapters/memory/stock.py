"""Stock levels in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from inventory.adapters.memory.table import Table
from inventory.application.listing import LEVEL_SORTS, STOCK_LEVEL_SORTS
from inventory.application.ports import StockKey
from inventory.application.queries import LevelFilter, PageSpec, ValuationRow
from inventory.domain.catalog import Product
from inventory.domain.stock import StockLevel


class MemoryStockRepository:
    def __init__(self, table: Table[StockKey, StockLevel], products: Table[str, Product]) -> None:
        self._table, self._products = table, products

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
