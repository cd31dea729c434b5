"""A scan's look-up by barcode is served by an index (migration products_barcode)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from inventory.adapters.postgres import PostgresDatabase
from inventory.adapters.sqlite import SqliteDatabase
from tests.postgres import fresh_schema


def test_sqlite_finds_products_by_barcode_through_the_index(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "inventory.db")
    database.migrate()
    database.close()

    with closing(sqlite3.connect(tmp_path / "inventory.db")) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT sku FROM products WHERE barcode IN (?, ?)", ("a", "b")
        ).fetchall()

    assert any("USING INDEX products_barcode" in str(row[-1]) for row in plan), plan


@pytest.mark.postgres
def test_postgres_has_the_barcode_index() -> None:
    with fresh_schema("pgbarcode") as url:
        database = PostgresDatabase.from_url(url)
        try:
            database.migrate()
        finally:
            database.close()
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT indexdef FROM pg_indexes"
                " WHERE indexname = 'products_barcode' AND schemaname = current_schema()"
            ).fetchone()

    assert row is not None
    assert "(barcode)" in str(row[0])
