"""Throwaway PostgreSQL schemas for tests: one per test (or per server), dropped afterwards.

Tests that need PostgreSQL read ``INVENTORY_TEST_POSTGRES_URL`` (``.ci/run``
sets it to the local server) and skip, saying why, when it is unset.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

from tests.lanes import require_mark

URL_VARIABLE = "INVENTORY_TEST_POSTGRES_URL"


def server_url() -> str:
    """The test server's URL, or a skip of the calling test when none is configured."""
    require_mark("postgres")
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"{URL_VARIABLE} is not set: no PostgreSQL to test against")
    return url


def in_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema`` (libpq's ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-c search_path={schema}')}"


def read_only(url: str) -> str:
    """``url`` whose every transaction is read-only, as on a hot standby (libpq's ``options``)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"{query.get('options', '')} -c default_transaction_read_only=on".strip()
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


@contextmanager
def fresh_schema(prefix: str = "test") -> Iterator[str]:
    """A database URL whose tables all land in a new, empty schema, dropped on exit."""
    import psycopg

    url = server_url()
    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


# Every table that holds data, children before parents. The movements table
# refuses deletes (the ledger is append-only), so its triggers are switched off
# for the emptying, inside the same transaction.
_DATA_TABLES = (
    "order_allocation_serials", "order_allocations", "order_lines", "orders", "movement_serials",
    "movement_allocations", "movements", "serials", "location_stock", "stock_levels", "lots",
    "products", "locations", "warehouses", "api_keys", "idempotency_keys", "jobs", "outbox",
    "runner_heartbeats", "report_chunks", "report_results",
)  # fmt: skip
_EMPTY = (
    "BEGIN; ALTER TABLE movements DISABLE TRIGGER USER;"
    " ALTER TABLE movement_allocations DISABLE TRIGGER USER;"
    " ALTER TABLE movement_serials DISABLE TRIGGER USER; "
    + "; ".join(f"DELETE FROM {table}" for table in _DATA_TABLES)
    + "; ALTER TABLE movements ENABLE TRIGGER USER;"
    " ALTER TABLE movement_allocations ENABLE TRIGGER USER;"
    " ALTER TABLE movement_serials ENABLE TRIGGER USER; DELETE FROM cache_changes; COMMIT"
)
_idle_schemas: list[str] = []


@contextmanager
def emptied_schema() -> Iterator[str]:
    """The URL of a migrated schema of this test process's own, emptied of every row.

    Schemas are made and migrated once per process (and dropped when it
    exits), then emptied for each use: deleting a few rows takes milliseconds,
    where migrating a new schema takes most of a second. A test that needs two
    databases at once (a copy from one to the other) gets two schemas.
    """
    import psycopg

    url = _idle_schemas.pop() if _idle_schemas else _new_migrated_schema()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(_EMPTY)
        yield url
    finally:
        _idle_schemas.append(url)


def _new_migrated_schema() -> str:
    import atexit

    import psycopg

    from inventory.adapters.postgres import PostgresDatabase

    server = server_url()
    schema = f"run_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    atexit.register(_drop, server, schema)
    url = in_schema(server, schema)
    database = PostgresDatabase.from_url(url)
    try:
        database.migrate()
    finally:
        database.close()
    return url


def _drop(server: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
