"""Products and warehouses in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.schema import (
    PRODUCT_COLUMNS,
    PRODUCT_SORTS,
    WAREHOUSE_COLUMNS,
    WAREHOUSE_SORTS,
)
from inventory.adapters.sqlite.rows import (
    DIALECT,
    chunks,
    money_text,
    product_from_row,
    product_row,
    stream_rows,
    time_text,
    warehouse_from_row,
)
from inventory.application.queries import LowStockRow, PageSpec, ProductFilter
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.errors import Conflict, NotFound

# Units available over every warehouse; 0 for a product that was never stocked.
_AVAILABLE = (
    "COALESCE((SELECT SUM(s.on_hand - s.reserved) FROM stock_levels AS s"
    " WHERE s.sku = products.sku), 0)"
)

_INSERT_PRODUCT = (
    f"INSERT INTO products ({PRODUCT_COLUMNS}, name_folded) VALUES ({DIALECT.marks(17)})"
)
_UPDATE_PRODUCT = (
    "UPDATE products SET name = ?, description = ?, category = ?, unit = ?, barcode = ?,"
    " reorder_point = ?, reorder_quantity = ?, average_cost = ?, archived = ?,"
    " created_at = ?, updated_at = ?, version = ?, tracking = ?,"
    " shelf_life_days = ?, packs = ?, name_folded = ? WHERE sku = ?"
)
# A receipt changes only these; naming no other indexed column spares their indexes.
_UPDATE_COST = "UPDATE products SET average_cost = ?, updated_at = ?, version = ? WHERE sku = ?"


class SqliteProductRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, sku: str) -> Product | None:
        row = self._conn.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE sku = ?", (sku,)
        ).fetchone()
        return None if row is None else product_from_row(row)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for chunk in chunks(list(dict.fromkeys(skus))):
            marks = DIALECT.marks(len(chunk))
            cursor = self._conn.execute(
                f"SELECT {PRODUCT_COLUMNS} FROM products WHERE sku IN ({marks})", chunk
            )
            for row in cursor:
                found[row[0]] = product_from_row(row)
        return found

    def take_barcode_turn(self) -> None:
        pass  # BEGIN IMMEDIATE: writers of this database already take turns.

    def by_barcode(self, barcodes: Iterable[str]) -> list[Product]:
        found: list[Product] = []
        for chunk in chunks(sorted(set(barcodes))):
            marks = DIALECT.marks(len(chunk))
            # Packs live in a JSON array on the product (ADR 0021); their barcodes are
            # indexed in product_pack_barcodes, which triggers keep (migration 0013).
            cursor = self._conn.execute(
                f"SELECT {PRODUCT_COLUMNS} FROM products WHERE barcode IN ({marks})"
                " OR sku IN (SELECT sku FROM product_pack_barcodes"
                f" WHERE barcode IN ({marks}))",
                [*chunk, *chunk],
            )
            found.extend(product_from_row(row) for row in cursor)
        return sorted(found, key=lambda product: product.sku)

    def get_many_ignoring_case(self, skus: Iterable[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for chunk in chunks(sorted({sku.lower() for sku in skus})):
            cursor = self._conn.execute(
                f"SELECT {PRODUCT_COLUMNS} FROM products"
                f" WHERE lower(sku) IN ({DIALECT.marks(len(chunk))})",
                chunk,
            )
            for row in cursor:
                found[row[0].lower()] = product_from_row(row)
        return found

    def add(self, product: Product) -> None:
        try:
            self._conn.execute(_INSERT_PRODUCT, _insert_params(product))
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                taken = self.get_many_ignoring_case([product.sku]).get(product.sku.lower())
                raise Conflict(
                    _taken("product", product.sku, taken.sku if taken else None)
                ) from exc
            raise

    def add_all(self, products: Sequence[Product]) -> None:
        try:
            self._conn.executemany(_INSERT_PRODUCT, [_insert_params(p) for p in products])
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                raise Conflict("one of the products already exists") from exc
            raise

    def save(self, product: Product) -> None:
        cursor = self._conn.execute(_UPDATE_PRODUCT, _update_params(product))
        if cursor.rowcount == 0:
            raise NotFound(f"product {product.sku!r} does not exist")

    def save_all(self, products: Sequence[Product]) -> None:
        cursor = self._conn.executemany(_UPDATE_PRODUCT, [_update_params(p) for p in products])
        if cursor.rowcount != len(products):
            raise NotFound("one of the products does not exist")

    def save_costs(self, products: Sequence[Product]) -> None:
        cursor = self._conn.executemany(
            _UPDATE_COST,
            [
                (money_text(p.average_cost), time_text(p.updated_at), p.version, p.sku)
                for p in products
            ],
        )
        if cursor.rowcount != len(products):
            raise NotFound("one of the products does not exist")

    def fetch_page(self, filter: ProductFilter, page: PageSpec) -> list[Product]:
        where = Where(DIALECT)
        if filter.q:
            folded = filter.q.casefold()
            where.add("(instr(lower(sku), ?) > 0 OR instr(name_folded, ?) > 0)", folded, folded)
        where.equal("category", filter.category)
        if filter.archived is not None:
            # A literal, so the planner can use the partial indexes on active products.
            where.add("archived = 1" if filter.archived else "archived = 0")
        if filter.below_reorder is not None:
            where.add(f"{_AVAILABLE} {'<=' if filter.below_reorder else '>'} reorder_point")
        ks = keyset(page, PRODUCT_SORTS, DIALECT)
        where.after(ks)
        cursor = self._conn.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products{where.clause} {ks.order_by} LIMIT ?",
            [*where.params, ks.limit],
        )
        return [product_from_row(row) for row in cursor]

    def low_stock(self) -> Iterator[LowStockRow]:
        cursor = self._conn.execute(
            "SELECT sku, name, available, reorder_point, reorder_quantity FROM"
            f" (SELECT sku, name, {_AVAILABLE} AS available, reorder_point, reorder_quantity"
            "  FROM products WHERE archived = 0 AND reorder_point > 0)"
            " WHERE available <= reorder_point ORDER BY sku"
        )
        for row in stream_rows(cursor):
            yield LowStockRow(*row)

    def stream(self) -> Iterator[Product]:
        cursor = self._conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products ORDER BY sku")
        for row in stream_rows(cursor):
            yield product_from_row(row)


def _insert_params(product: Product) -> tuple[object, ...]:
    return (*product_row(product), product.details.name.casefold())


def _update_params(product: Product) -> tuple[object, ...]:
    sku, *fields = product_row(product)
    return (*fields, product.details.name.casefold(), sku)


class SqliteWarehouseRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, code: str) -> Warehouse | None:
        row = self._conn.execute(
            f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses WHERE code = ?", (code,)
        ).fetchone()
        return None if row is None else warehouse_from_row(row)

    def get_ignoring_case(self, code: str) -> Warehouse | None:
        row = self._conn.execute(
            f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses WHERE lower(code) = ?", (code.lower(),)
        ).fetchone()
        return None if row is None else warehouse_from_row(row)

    def add(self, warehouse: Warehouse) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO warehouses ({WAREHOUSE_COLUMNS}) VALUES (?, ?, ?)",
                (warehouse.code, warehouse.name, time_text(warehouse.created_at)),
            )
        except sqlite3.IntegrityError as exc:
            if DIALECT.is_unique_violation(exc):
                taken = self.get_ignoring_case(warehouse.code)
                raise Conflict(
                    _taken("warehouse", warehouse.code, taken.code if taken else None)
                ) from exc
            raise

    def fetch_page(self, page: PageSpec) -> list[Warehouse]:
        ks = keyset(page, WAREHOUSE_SORTS, DIALECT)
        where = f" WHERE {ks.after}" if ks.after is not None else ""
        cursor = self._conn.execute(
            f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses{where} {ks.order_by} LIMIT ?",
            [*ks.params, ks.limit],
        )
        return [warehouse_from_row(row) for row in cursor]


def _taken(what: str, code: str, stored: str | None) -> str:
    """The refusal of ``code``, which the unique indexes (exact, or ignoring case) hold."""
    return f"{what} {stored or code!r} already exists"
