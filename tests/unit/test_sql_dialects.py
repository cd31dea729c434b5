"""One dialect object per database: every SQL difference between SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal

import psycopg.errors
import pytest

from inventory.adapters.postgres.rows import DIALECT as POSTGRES
from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.queries import select_levels, select_movements, update_job
from inventory.adapters.sqlite.rows import DIALECT as SQLITE
from inventory.application.queries import LevelFilter, MovementFilter, PageSpec
from tests.factories import T0


def test_each_dialect_has_its_placeholder() -> None:
    assert (SQLITE.mark, SQLITE.marks(3)) == ("?", "?, ?, ?")
    assert (POSTGRES.mark, POSTGRES.marks(3)) == ("%s", "%s, %s, %s")


def test_only_postgresql_locks_the_rows_a_write_unit_reads() -> None:
    # SQLite's write unit holds the whole database's write lock from its BEGIN.
    assert (SQLITE.lock(writing=True), SQLITE.lock(writing=False)) == ("", "")
    assert (POSTGRES.lock(writing=True), POSTGRES.lock(writing=False)) == (" FOR NO KEY UPDATE", "")


def _sqlite_error(message: str, code: int | None) -> sqlite3.IntegrityError:
    error = sqlite3.IntegrityError(message)
    if code is not None:
        error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("dialect", "error", "unique"),
    [
        (
            SQLITE,
            _sqlite_error("UNIQUE constraint failed: t.a", sqlite3.SQLITE_CONSTRAINT_UNIQUE),
            True,
        ),
        (SQLITE, _sqlite_error("", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY), True),
        (SQLITE, _sqlite_error("UNIQUE constraint failed: t.a", None), True),
        (SQLITE, _sqlite_error("CHECK constraint failed", sqlite3.SQLITE_CONSTRAINT_CHECK), False),
        (SQLITE, ValueError("UNIQUE constraint failed"), False),
        (POSTGRES, psycopg.errors.UniqueViolation("duplicate key"), True),
        (POSTGRES, psycopg.errors.CheckViolation("check"), False),
        (POSTGRES, sqlite3.IntegrityError("UNIQUE constraint failed"), False),
    ],
)
def test_each_dialect_tells_a_unique_violation_from_other_errors(
    dialect: Dialect, error: Exception, unique: bool
) -> None:
    assert dialect.is_unique_violation(error) is unique


def test_sqlite_stores_times_and_money_as_text_postgresql_as_they_are() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=T0.tzinfo)

    assert SQLITE.codec.time_out(at) == "2026-01-02T03:04:05.006000Z"
    assert SQLITE.codec.time_in(SQLITE.codec.time_out(at)) == at
    assert SQLITE.codec.money_out(Decimal("12.5")) == "12.5000"
    assert POSTGRES.codec.time_out(at) is at
    assert POSTGRES.codec.money_out(Decimal("12.5")) == Decimal("12.5000")


@pytest.mark.parametrize(("dialect", "other"), [(SQLITE, "%s"), (POSTGRES, "?")])
def test_shared_statements_take_the_dialects_placeholders(dialect: Dialect, other: str) -> None:
    page = PageSpec(limit=10, sort="created_at", after=("2026-01-01T00:00:00Z", "m-1"))
    where = Where(dialect)
    where.equal("sku", "BOLT")
    movements, _ = select_movements(
        MovementFilter(warehouse="MAIN", since=T0),
        keyset(page, {"created_at": ("created_at", "id")}, dialect),
        dialect,
    )
    levels, _ = select_levels(LevelFilter(sku="BOLT"), PageSpec(limit=5, sort="sku"), dialect)

    for sql, count in [(update_job(dialect), 10), (movements, 8), (levels, 2)]:
        assert sql.count(dialect.mark) == count, sql
        assert other not in sql, sql
    assert where.conditions == [f"sku = {dialect.mark}"]
