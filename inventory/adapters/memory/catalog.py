"""Products and warehouses in memory: the same answers as the SQL repositories give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from inventory.adapters.memory.table import Table, require
from inventory.application.listing import PRODUCT_SORTS, WAREHOUSE_SORTS
from inventory.application.ports import StockKey
from inventory.application.queries import LowStockRow, PageSpec, ProductFilter
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.stock import StockLevel


def _available_by_sku(levels: Table[StockKey, StockLevel]) -> dict[str, int]:
    available: dict[str, int] = defaultdict(int)
    for level in levels.values():
        available[level.sku] += level.available
    return available


class MemoryProductRepository:
    def __init__(self, table: Table[str, Product], levels: Table[StockKey, StockLevel]) -> None:
        self._table, self._levels = table, levels

    def get(self, sku: str) -> Product | None:
        return self._table.get(sku)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        found = {sku: self._table.get(sku) for sku in skus}
        return {sku: product for sku, product in found.items() if product is not None}

    def take_barcode_turn(self) -> None:
        pass  # A write unit holds the store's lock: writers already take turns.

    def by_barcode(self, barcodes: Iterable[str]) -> list[Product]:
        wanted = set(barcodes)
        return [
            product
            for sku in sorted(self._table)
            if (product := self._table.get(sku)) is not None
            and (
                product.details.barcode in wanted
                or any(pack.barcode in wanted for pack in product.details.packs)
            )
        ]

    def get_many_ignoring_case(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = {sku.lower() for sku in skus}
        found = {sku.lower(): sku for sku in self._table if sku.lower() in wanted}
        return {
            folded: product for folded, sku in found.items() if (product := self._table.get(sku))
        }

    def add(self, product: Product) -> None:
        self.add_all([product])

    def add_all(self, products: Sequence[Product]) -> None:
        # As the databases' unique index on lower(sku): one spelling per sku.
        taken = {sku.lower(): sku for sku in self._table}
        for product in products:
            if (existing := taken.get(product.sku.lower())) is not None:
                raise Conflict(f"product {existing!r} already exists")
            taken[product.sku.lower()] = product.sku
            self._table.put(product.sku, product)

    def save(self, product: Product) -> None:
        require(self._table, product.sku, "product")
        self._table.put(product.sku, product)

    def save_all(self, products: Sequence[Product]) -> None:
        for product in products:
            self.save(product)

    def save_costs(self, products: Sequence[Product]) -> None:
        for product in products:
            stored = self._table.get(product.sku)
            if stored is None:
                raise NotFound(f"product {product.sku!r} not found")
            stored.average_cost = product.average_cost
            stored.updated_at = product.updated_at
            stored.version = product.version
            self._table.put(product.sku, stored)

    def fetch_page(self, filter: ProductFilter, page: PageSpec) -> list[Product]:
        available = _available_by_sku(self._levels)
        needle = filter.q.casefold() if filter.q else None

        def matches(p: Product) -> bool:
            below = available.get(p.sku, 0) <= p.details.reorder_point
            return (
                (filter.archived is None or p.archived == filter.archived)
                and (filter.category is None or p.details.category == filter.category)
                and (filter.below_reorder is None or below == filter.below_reorder)
                and (
                    needle is None
                    or needle in p.sku.casefold()
                    or needle in p.details.name.casefold()
                )
            )

        return PRODUCT_SORTS.select((p for p in self._table.values() if matches(p)), page)

    def low_stock(self) -> Iterator[LowStockRow]:
        available = _available_by_sku(self._levels)
        for p in sorted(self._table.values(), key=lambda p: p.sku):
            d = p.details
            if not p.archived and 0 < d.reorder_point >= available.get(p.sku, 0):
                yield LowStockRow(
                    p.sku, d.name, available.get(p.sku, 0), d.reorder_point, d.reorder_quantity
                )

    def stream(self) -> Iterator[Product]:
        return iter(sorted(self._table.values(), key=lambda p: p.sku))


class MemoryWarehouseRepository:
    def __init__(self, table: Table[str, Warehouse]) -> None:
        self._table = table

    def get(self, code: str) -> Warehouse | None:
        return self._table.get(code)

    def get_ignoring_case(self, code: str) -> Warehouse | None:
        folded = code.lower()
        found = next((key for key in self._table if key.lower() == folded), None)
        return None if found is None else self._table.get(found)

    def add(self, warehouse: Warehouse) -> None:
        existing = self.get_ignoring_case(warehouse.code)
        if existing is not None:
            raise Conflict(f"warehouse {existing.code!r} already exists")
        self._table.put(warehouse.code, warehouse)

    def fetch_page(self, page: PageSpec) -> list[Warehouse]:
        return WAREHOUSE_SORTS.select(self._table.values(), page)
