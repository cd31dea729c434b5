"""Products and warehouses in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg
from psycopg.types.json import Jsonb

from inventory.adapters.postgres.rows import (
    DIALECT,
    Transaction,
    product_from_row,
    product_row,
    stream_rows,
    warehouse_from_row,
)
from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.schema import (
    PRODUCT_COLUMNS,
    PRODUCT_SORTS,
    WAREHOUSE_COLUMNS,
    WAREHOUSE_SORTS,
)
from inventory.application.queries import LowStockRow, PageSpec, ProductFilter
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.valuation import money

# Units available over every warehouse; 0 for a product that was never stocked.
_AVAILABLE = (
    "COALESCE((SELECT SUM(s.on_hand - s.reserved) FROM stock_levels AS s"
    " WHERE s.sku = products.sku), 0)"
)

_INSERT_PRODUCT = (
    f"INSERT INTO products ({PRODUCT_COLUMNS}, name_folded) VALUES ({DIALECT.marks(17)})"
)
# A sku taken (exactly, or ignoring case) inserts nothing, so that the refusal
# can name the stored spelling: after an error the transaction could read nothing.
_INSERT_NEW_PRODUCT = _INSERT_PRODUCT + " ON CONFLICT DO NOTHING"
_UPDATE_PRODUCT = (
    "UPDATE products SET name = %s, description = %s, category = %s, unit = %s, barcode = %s,"
    " reorder_point = %s, reorder_quantity = %s, average_cost = %s, archived = %s,"
    " created_at = %s, updated_at = %s, version = %s, tracking = %s,"
    " shelf_life_days = %s, packs = %s, name_folded = %s WHERE sku = %s"
)
# Sent with the COMMIT, so nobody reads its row count: the statement itself
# fails (division by zero, as plain SQL cannot raise) unless it updated every
# product it names, and that failure is read as NotFound.
_UPDATE_COSTS = (
    "WITH done AS (UPDATE products AS p"
    " SET average_cost = u.cost, updated_at = u.at, version = u.version"
    " FROM unnest(%s::text[], %s::numeric[], %s::timestamptz[], %s::bigint[])"
    " AS u (sku, cost, at, version) WHERE p.sku = u.sku RETURNING 1)"
    " SELECT 1 / (1 - least(abs(count(*) - %s), 1)) FROM done"
)


def _cost_of_a_missing_product(exc: psycopg.Error) -> Exception | None:
    if isinstance(exc, pg.DivisionByZero):
        return NotFound("one of the products does not exist")
    return None


# Writers of barcodes take turns (ADR 0021): a transaction-scoped advisory lock,
# the schema's, as each schema has its own tables.
_BARCODE_LOCK = 0x0BA2_C0DE
_BARCODE_TURN = f"SELECT pg_advisory_xact_lock({_BARCODE_LOCK}, hashtext(current_schema()))"

# In a write unit a product read is a product about to be judged or changed:
# lock it, so that whoever changes it next waits for this unit. NO KEY UPDATE,
# as the sku never changes: stock rows that reference it need not wait.


class PostgresProductRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._lock = DIALECT.lock(tx.writing)

    def take_barcode_turn(self) -> None:
        self._tx.execute(_BARCODE_TURN)

    def get(self, sku: str) -> Product | None:
        row = self._tx.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE sku = %s{self._lock}", (sku,)
        ).fetchone()
        return None if row is None else product_from_row(row)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._tx.execute(*self.get_many_statement(wanted)).fetchall()
        return {row[0]: product_from_row(row) for row in rows}

    def get_many_statement(self, skus: Iterable[str]) -> tuple[str, Any]:
        """What ``get_many`` sends (to read it ahead)."""
        # By sku, so that units locking several products lock them in one order.
        return (
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE sku = ANY(%s) ORDER BY sku{self._lock}",
            (sorted(set(skus)),),
        )

    def by_barcode(self, barcodes: Iterable[str]) -> list[Product]:
        wanted = sorted(set(barcodes))
        if not wanted:
            return []
        # A pack's barcode is found through the GIN index on packs (migrations 0009
        # and 0011). Joined to the barcodes wanted, a lookup a barcode: with the
        # barcodes in an OR, rows written since the last ANALYZE (an import's)
        # made the planner scan every product, testing each against each barcode.
        rows = self._tx.conn.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE sku IN ("
            " SELECT p.sku FROM unnest(%s::text[]) AS w (code)"
            " JOIN products AS p ON p.barcode = w.code"
            " UNION SELECT p.sku FROM unnest(%s::jsonb[]) AS w (doc)"
            f" JOIN products AS p ON p.packs @> w.doc) ORDER BY sku{self._lock}",
            (wanted, [Jsonb([{"barcode": code}]) for code in wanted]),
        ).fetchall()
        return [product_from_row(row) for row in rows]

    def get_many_ignoring_case(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted({sku.lower() for sku in skus})
        if not wanted:
            return {}
        rows = self._tx.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE lower(sku) = ANY(%s)"
            f" ORDER BY sku{self._lock}",
            (wanted,),
        ).fetchall()
        return {row[0].lower(): product_from_row(row) for row in rows}

    def add(self, product: Product) -> None:
        cursor = self._tx.execute(_INSERT_NEW_PRODUCT, _insert_params(product))
        if cursor.rowcount == 0:
            taken = self.get_many_ignoring_case([product.sku]).get(product.sku.lower())
            raise Conflict(f"product {taken.sku if taken else product.sku!r} already exists")

    def add_all(self, products: Sequence[Product]) -> None:
        try:
            with self._tx.conn.cursor() as cursor:
                cursor.executemany(_INSERT_PRODUCT, [_insert_params(p) for p in products])
        except pg.UniqueViolation as exc:
            raise Conflict("one of the products already exists") from exc

    def save(self, product: Product) -> None:
        cursor = self._tx.execute(_UPDATE_PRODUCT, _update_params(product))
        if cursor.rowcount == 0:
            raise NotFound(f"product {product.sku!r} does not exist")

    def save_all(self, products: Sequence[Product]) -> None:
        self._update_each(_UPDATE_PRODUCT, [_update_params(p) for p in products])

    def save_costs(self, products: Sequence[Product]) -> None:
        # One statement for the batch, as for levels: the cache trigger runs once.
        latest = {p.sku: p for p in products}
        if not latest:
            return
        rows = [latest[sku] for sku in sorted(latest)]
        self._tx.defer(  # with the next statement: the COMMIT, most often
            _UPDATE_COSTS,
            (
                [p.sku for p in rows],
                [money(p.average_cost) for p in rows],
                [p.updated_at for p in rows],
                [p.version for p in rows],
                len(rows),
            ),
            check=_cost_of_a_missing_product,
        )

    def fetch_page(self, filter: ProductFilter, page: PageSpec) -> list[Product]:
        where = Where(DIALECT)
        if filter.q:
            folded = filter.q.casefold()
            where.add("(strpos(lower(sku), %s) > 0 OR strpos(name_folded, %s) > 0)", folded, folded)
        where.equal("category", filter.category)
        if filter.archived is not None:
            # A literal, so the planner can use the partial indexes on active products.
            where.add("archived" if filter.archived else "NOT archived")
        if filter.below_reorder is not None:
            where.add(f"{_AVAILABLE} {'<=' if filter.below_reorder else '>'} reorder_point")
        ks = keyset(page, PRODUCT_SORTS, DIALECT)
        where.after(ks)
        rows = self._tx.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products{where.clause} {ks.order_by} LIMIT %s",
            [*where.params, ks.limit],
        ).fetchall()
        return [product_from_row(row) for row in rows]

    def low_stock(self) -> Iterator[LowStockRow]:
        sql = (
            "SELECT sku, name, available, reorder_point, reorder_quantity FROM"
            f" (SELECT sku, name, {_AVAILABLE} AS available, reorder_point, reorder_quantity"
            "  FROM products WHERE NOT archived AND reorder_point > 0) AS p"
            " WHERE available <= reorder_point ORDER BY sku"
        )
        for row in stream_rows(self._tx, sql):
            yield LowStockRow(row[0], row[1], int(row[2]), row[3], row[4])

    def stream(self) -> Iterator[Product]:
        for row in stream_rows(self._tx, f"SELECT {PRODUCT_COLUMNS} FROM products ORDER BY sku"):
            yield product_from_row(row)

    def _update_each(self, sql: str, params: list[tuple[object, ...]]) -> None:
        with self._tx.conn.cursor() as cursor:
            cursor.executemany(sql, params)
            # executemany sums the rows of every statement into rowcount.
            if cursor.rowcount != len(params):
                raise NotFound("one of the products does not exist")


def _insert_params(product: Product) -> tuple[object, ...]:
    return (*product_row(product), product.details.name.casefold())


def _update_params(product: Product) -> tuple[object, ...]:
    sku, *fields = product_row(product)
    return (*fields, product.details.name.casefold(), sku)


class PostgresWarehouseRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, code: str) -> Warehouse | None:
        row = self._tx.execute(*self.get_statement(code)).fetchone()
        return None if row is None else warehouse_from_row(row)

    def get_statement(self, code: str) -> tuple[str, Any]:
        """What ``get`` sends (to read it ahead)."""
        return f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses WHERE code = %s", (code,)

    def get_ignoring_case(self, code: str) -> Warehouse | None:
        row = self._tx.execute(
            f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses WHERE lower(code) = %s", (code.lower(),)
        ).fetchone()
        return None if row is None else warehouse_from_row(row)

    def add(self, warehouse: Warehouse) -> None:
        # ON CONFLICT: a code taken, ignoring case too, inserts nothing (see _INSERT_NEW_PRODUCT).
        cursor = self._tx.execute(
            f"INSERT INTO warehouses ({WAREHOUSE_COLUMNS}) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (warehouse.code, warehouse.name, warehouse.created_at),
        )
        if cursor.rowcount == 0:
            taken = self.get_ignoring_case(warehouse.code)
            raise Conflict(f"warehouse {taken.code if taken else warehouse.code!r} already exists")

    def fetch_page(self, page: PageSpec) -> list[Warehouse]:
        ks = keyset(page, WAREHOUSE_SORTS, DIALECT)
        where = f" WHERE {ks.after}" if ks.after is not None else ""
        rows = self._tx.execute(
            f"SELECT {WAREHOUSE_COLUMNS} FROM warehouses{where} {ks.order_by} LIMIT %s",
            [*ks.params, ks.limit],
        ).fetchall()
        return [warehouse_from_row(row) for row in rows]
