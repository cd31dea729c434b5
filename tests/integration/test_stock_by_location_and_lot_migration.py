"""The migration to stock by location and lot, on a database made before it (ADR 0020).

On each SQL backend a database is migrated up to the migration before this one
(SQLite 0011, PostgreSQL 0007) and filled through SQL of that schema with what
the service wrote then: products, two warehouses (one whose default location
is not called DEFAULT), receipts, an issue, a transfer, an adjustment, orders
reserved, shipped, cancelled and expired, an idempotency record and jobs. A
copy of it (SQLite: the file; PostgreSQL: a second schema filled the same way)
is migrated; the original stays as it was, to compare with. Afterwards every
level sits in its warehouse's default location with no lot, the totals are
unchanged, every movement, order, line, job and idempotency record is still
there as it was, and the integrity check finds no drift, also after an order
reserved before the migration is shipped.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

import inventory.adapters.postgres.database as postgres_module
import inventory.adapters.sqlite.database as sqlite_module
from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sql.migrations import available_migrations
from inventory.adapters.sqlite import SqliteDatabase
from inventory.application import catalog, orders
from inventory.application.integrity import check_integrity
from inventory.application.ports import Storage
from inventory.domain.orders import OrderStatus
from tests.factories import T0, FixedClock, SequentialIds
from tests.postgres import fresh_schema

NAME = "stock_by_location_and_lot"
Rows = list[tuple[Any, ...]]
Execute = Callable[[str, tuple[Any, ...]], Rows]


def at(minutes: int) -> str:
    """A moment of the story, as the adapters stored it: RFC 3339 UTC with microseconds."""
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# What the service wrote before the migration, in the schema of then. EAST's
# default location is DOCK: the migration must use each warehouse's default,
# not a location named DEFAULT.
WAREHOUSES = {"MAIN": "DEFAULT", "EAST": "DOCK"}
PRODUCTS = {"BOLT-M8": "0.2750", "NUT-M8": "0.0500", "GLUE": "0.0000"}
# (id, type, sku, warehouse, to_warehouse, quantity, unit_cost, reason, reference)
MOVEMENTS = [
    ("mv-01", "receipt", "BOLT-M8", "MAIN", None, 100, "0.2000", None, "PO-1"),
    ("mv-02", "receipt", "BOLT-M8", "MAIN", None, 300, "0.3000", None, "PO-2"),
    ("mv-03", "receipt", "NUT-M8", "MAIN", None, 500, "0.0500", None, "PO-3"),
    ("mv-04", "issue", "BOLT-M8", "MAIN", None, 20, None, None, "WO-7"),
    ("mv-05", "transfer", "BOLT-M8", "MAIN", "EAST", 80, None, None, None),
    ("mv-06", "adjustment", "NUT-M8", "MAIN", None, -3, None, "damage", None),
    ("mv-07", "issue", "BOLT-M8", "MAIN", None, 150, None, None, "SO-1"),
    ("mv-08", "issue", "NUT-M8", "MAIN", None, 150, None, None, "SO-1"),
    ("mv-09", "issue", "BOLT-M8", "EAST", None, 5, None, None, "SO-5"),
]
# (id, reference, warehouse, status, {line_no: (sku, quantity)}); lines count from 0
ORDERS = [
    ("so-1", "SO-1", "MAIN", "shipped", {0: ("BOLT-M8", 150), 1: ("NUT-M8", 150)}),
    ("so-2", "SO-2", "MAIN", "reserved", {0: ("BOLT-M8", 10), 1: ("NUT-M8", 7)}),
    ("so-3", "SO-3", "MAIN", "cancelled", {0: ("BOLT-M8", 5)}),
    ("so-4", "SO-4", "MAIN", "expired", {0: ("NUT-M8", 2)}),
    ("so-5", "SO-5", "EAST", "shipped", {0: ("BOLT-M8", 5)}),
    ("so-6", "SO-6", "EAST", "reserved", {0: ("BOLT-M8", 12)}),
]
# (sku, warehouse) -> (on_hand, reserved): what the ledger and the open orders give.
LEVELS = {
    ("BOLT-M8", "MAIN"): (100 + 300 - 20 - 80 - 150, 10),
    ("BOLT-M8", "EAST"): (80 - 5, 12),
    ("NUT-M8", "MAIN"): (500 - 3 - 150, 7),
}

# Every table the migration rebuilds or keys anew, with the columns it had before.
V1_TABLES = {
    "products": "sku, name, average_cost, archived, created_at, updated_at, version",
    "warehouses": "code, name, created_at",
    "locations": "warehouse, code, is_default, created_at",
    "stock_levels": "sku, warehouse, on_hand, reserved",
    "movements": "id, type, sku, warehouse, to_warehouse, quantity, unit_cost, reason,"
    " reference, note, created_at, created_by",
    "orders": "id, reference, warehouse, status, created_at, updated_at, expires_at",
    "order_lines": "order_id, line_no, sku, quantity",
    "jobs": "id, kind, params, status, attempts, max_attempts, created_at, run_at, finished_at,"
    " result",
    "idempotency_keys": "owner, key, fingerprint, progress, status, headers, body, expires_at",
    "api_keys": "id, name, role, secret_hash, created_at",
}


def fill_v1(execute: Execute) -> None:
    """Write the story with SQL of the schema before the migration (``?`` placeholders)."""
    for n, (code, default) in enumerate(WAREHOUSES.items()):
        execute("INSERT INTO warehouses (code, name, created_at) VALUES (?, ?, ?)",
                (code, f"Hall {code}", at(n)))  # fmt: skip
        execute("INSERT INTO locations (warehouse, code, name, kind, is_default, created_at)"
                " VALUES (?, ?, 'Default location', 'bin', ?, ?)",
                (code, default, True, at(n)))  # fmt: skip
    for sku, cost in PRODUCTS.items():
        execute(
            "INSERT INTO products (sku, name, description, category, unit, barcode, reorder_point,"
            " reorder_quantity, average_cost, archived, created_at, updated_at, version,"
            " name_folded) VALUES (?, ?, '', 'fasteners', 'each', NULL, 50, 200, ?, ?, ?, ?, 1, ?)",
            (sku, f"Product {sku}", cost, sku == "GLUE", at(5), at(5), f"product {sku.lower()}"),
        )
    execute("INSERT INTO api_keys (id, name, role, secret_hash, created_at)"
            " VALUES ('key-1', 'ops', 'admin', 'hash-1', ?)", (at(6),))  # fmt: skip
    for n, (id, type, sku, warehouse, to, quantity, price, reason, ref) in enumerate(MOVEMENTS):
        execute(
            "INSERT INTO movements (id, type, sku, warehouse, to_warehouse, quantity, unit_cost,"
            " reason, reference, note, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'key-1')",
            (id, type, sku, warehouse, to, quantity, price, reason, ref,
             "crushed box" if reason else None, at(10 + n)),
        )  # fmt: skip
    for n, (id, reference, warehouse, status, lines) in enumerate(ORDERS):
        execute(
            "INSERT INTO orders (id, reference, warehouse, status, created_at, updated_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (id, reference, warehouse, status, at(8 + n), at(30 + n),
             at(600) if status in ("reserved", "expired") else None),
        )  # fmt: skip
        for line_no, (sku, quantity) in lines.items():
            execute("INSERT INTO order_lines (order_id, line_no, sku, quantity)"
                    " VALUES (?, ?, ?, ?)", (id, line_no, sku, quantity))  # fmt: skip
    for (sku, warehouse), (on_hand, reserved) in LEVELS.items():
        execute("INSERT INTO stock_levels (sku, warehouse, on_hand, reserved) VALUES (?, ?, ?, ?)",
                (sku, warehouse, on_hand, reserved))  # fmt: skip
    execute(
        "INSERT INTO jobs (id, kind, params, status, attempts, max_attempts, created_at, run_at,"
        " finished_at, result) VALUES ('job-1', 'report', ?, 'succeeded', 1, 3, ?, ?, ?, 'done'),"
        " ('job-2', 'low_stock_alert', ?, 'queued', 0, 5, ?, ?, NULL, NULL)",
        ('{"kind": "valuation"}', at(40), at(40), at(41),
         '{"sku": "BOLT-M8", "warehouse": "MAIN"}', at(42), at(42)),
    )  # fmt: skip
    execute(
        "INSERT INTO idempotency_keys (owner, key, fingerprint, progress, status, headers, body,"
        " created_at, expires_at) VALUES ('key-1', 'once-1', 'f1', 'done', 201, ?, ?, ?, ?)",
        ('[["Location", "/api/v1/movements/mv-01"]]', b'{"id": "mv-01"}', at(10), at(1450)),
    )  # fmt: skip


@dataclass
class Pair:
    """The database as it was before the migration, and a copy of it to migrate."""

    original: Execute
    migrated: Execute
    storage: Storage
    migrations: list[str]
    """The names of the migrations up to and including the one under test."""


def _up_to_before(database: Storage, module: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Migrate ``database`` up to the migration before ours; every name up to ours."""
    every = available_migrations(module.__name__.rpartition(".")[0])
    (ours,) = [version for version, name, _ in every if name.endswith(f"_{NAME}")]
    with monkeypatch.context() as patched:
        patched.setattr(
            module, "available_migrations", lambda package: [m for m in every if m[0] < ours]
        )
        database.migrate()
    assert database.pending_migrations()[0].endswith(f"_{NAME}")
    return [name for version, name, _ in every if version <= ours]


@contextmanager
def sqlite_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pair]:
    original, copy = tmp_path / "v1.db", tmp_path / "migrated.db"
    database = SqliteDatabase(original)
    try:
        names = _up_to_before(database, sqlite_module, monkeypatch)
    finally:
        database.close()

    def on(path: Path) -> Execute:
        def execute(sql: str, params: tuple[Any, ...]) -> Rows:
            with closing(sqlite3.connect(path)) as conn, conn:
                conn.execute("PRAGMA foreign_keys = ON")
                return conn.execute(sql, params).fetchall()

        return execute

    fill_v1(on(original))
    assert not original.with_name("v1.db-wal").exists()  # every write is in the file itself
    shutil.copyfile(original, copy)
    migrated = SqliteDatabase(copy)
    try:
        yield Pair(on(original), on(copy), migrated, names)
    finally:
        migrated.close()


@contextmanager
def postgres_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pair]:
    def on(url: str) -> Execute:
        def execute(sql: str, params: tuple[Any, ...]) -> Rows:
            with psycopg.connect(url, autocommit=True) as conn:
                cursor = conn.execute(sql.replace("?", "%s"), params)
                return cursor.fetchall() if cursor.description else []

        return execute

    with fresh_schema("lotmig") as original_url, fresh_schema("lotmig") as copy_url:
        schemas = []
        for url in (original_url, copy_url):
            database = PostgresDatabase.from_url(url)
            schemas.append(database)
            names = _up_to_before(database, postgres_module, monkeypatch)
            fill_v1(on(url))
        try:
            yield Pair(on(original_url), on(copy_url), schemas[1], names)
        finally:
            for database in schemas:
                database.close()


PAIRS: dict[str, Callable[[Path, pytest.MonkeyPatch], Any]] = {
    "sqlite": sqlite_pair,
    "postgres": postgres_pair,
}


@pytest.fixture(params=sorted(PAIRS))
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pair]:
    with PAIRS[request.param](tmp_path, monkeypatch) as made:
        yield made


def rows(execute: Execute, table: str) -> Rows:
    columns = V1_TABLES[table]
    key = columns.split(",")[0] if table != "order_lines" else "order_id, line_no"
    key = {"stock_levels": "sku, warehouse", "locations": "warehouse, code"}.get(table, key)
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in execute(f"SELECT {columns} FROM {table} ORDER BY {key}", ())]  # fmt: skip


def test_the_migration_keeps_every_v1_row_and_puts_stock_in_the_default_locations(
    pair: Pair,
) -> None:
    before = {table: rows(pair.original, table) for table in V1_TABLES}
    assert len(before["movements"]) == len(MOVEMENTS)  # the story really is there
    assert len(before["order_lines"]) == sum(len(lines) for *_, lines in ORDERS)

    applied = pair.storage.migrate()

    assert applied[0] == pair.migrations[-1]  # ours first, then every later one
    assert applied[0].endswith(f"_{NAME}")
    assert pair.storage.pending_migrations() == []
    for table in V1_TABLES:
        assert rows(pair.migrated, table) == before[table], table
    # The original was left alone: it still lacks the tables of the migration.
    with pytest.raises((sqlite3.OperationalError, psycopg.errors.UndefinedTable)):
        pair.original("SELECT count(*) FROM location_stock", ())

    slots = pair.migrated(
        "SELECT sku, warehouse, location, lot, on_hand, reserved FROM location_stock"
        " ORDER BY sku, warehouse, location, lot",
        (),
    )
    assert slots == sorted(
        (sku, warehouse, WAREHOUSES[warehouse], "", on_hand, reserved)
        for (sku, warehouse), (on_hand, reserved) in LEVELS.items()
    )
    moved = pair.migrated(
        "SELECT movement_id, n, location, to_location, lot, quantity FROM movement_allocations"
        " ORDER BY movement_id, n",
        (),
    )
    assert moved == [
        (id, 0, WAREHOUSES[warehouse], to and WAREHOUSES[to], "", quantity)
        for id, _, _, warehouse, to, quantity, *_ in MOVEMENTS
    ]
    reserved = pair.migrated(
        "SELECT order_id, line_no, n, location, lot, quantity FROM order_allocations"
        " ORDER BY order_id, line_no, n",
        (),
    )
    assert reserved == [
        (id, line_no, 0, WAREHOUSES[warehouse], "", quantity)
        for id, _, warehouse, _, lines in ORDERS
        for line_no, (_, quantity) in sorted(lines.items())
    ]
    assert pair.migrated("SELECT DISTINCT tracking FROM products", ()) == [("none",)]
    assert pair.migrated("SELECT count(*) FROM lots", ()) == [(0,)]


def test_after_the_migration_the_check_is_clean_and_old_orders_still_ship(pair: Pair) -> None:
    pair.storage.migrate()
    uow = pair.storage.unit_of_work

    assert check_integrity(uow()) == []

    levels, held = catalog.product_stock_detail("BOLT-M8", uow())
    assert {(level.warehouse, level.on_hand, level.reserved) for level in levels} == {
        (warehouse, *LEVELS[("BOLT-M8", warehouse)]) for warehouse in WAREHOUSES
    }
    assert sorted(
        ((h.warehouse, h.location, h.lot), h.on_hand, h.reserved) for h in held
    ) == sorted(
        ((warehouse, WAREHOUSES[warehouse], None), *LEVELS[("BOLT-M8", warehouse)])
        for warehouse in WAREHOUSES
    )
    old = orders.get_order("so-6", uow())
    assert [(a.location, a.lot, a.quantity) for a in old.lines[0].allocations] == [
        ("DOCK", None, 12)
    ]

    shipped = orders.ship_order(
        "so-6", uow(), FixedClock(T0 + timedelta(hours=2)), SequentialIds("mv-new"), "key-1"
    )

    assert shipped.status is OrderStatus.SHIPPED
    assert check_integrity(uow()) == []
    _, after = catalog.product_stock_detail("BOLT-M8", uow())
    assert {(h.warehouse, h.location, h.lot): (h.on_hand, h.reserved) for h in after}[
        ("EAST", "DOCK", None)
    ] == (63, 0)
