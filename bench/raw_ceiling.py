"""The raw ceiling of bench/write_path.py: a durable transaction in a plain loop, no service.

``clients`` threads, each on its own connection and its own row, run one INSERT into a
ledger-like table and one UPDATE of a level row, committed, for ``seconds``: with plain
``sqlite3`` and with plain psycopg. Each returns transactions per second.
"""

from __future__ import annotations

import secrets
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

WAREHOUSE = "MAIN"

RAW_TABLES = (
    "CREATE TABLE raw_ledger (id TEXT PRIMARY KEY, sku TEXT NOT NULL, warehouse TEXT NOT NULL,"
    " quantity INTEGER NOT NULL, unit_cost NUMERIC NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE raw_levels (sku TEXT NOT NULL, warehouse TEXT NOT NULL,"
    " on_hand INTEGER NOT NULL, PRIMARY KEY (sku, warehouse))",
)


def raw_loop(
    connect: Callable[[], Any], transact: Callable[[Any, str], None], clients: int, seconds: float
) -> float:
    """``clients`` threads running ``transact(conn, sku)`` on their own row: transactions/s."""
    done = Counter[int]()
    errors: list[str] = []
    start_line = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(n: int) -> None:
        conn = connect()
        try:
            start_line.wait()
            while time.perf_counter() < deadline[0]:
                transact(conn, f"RAW-{n:03d}")
                done[n] += 1
        except Exception as exc:  # reported below; the figure would be wrong
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit(f"the raw ceiling failed: {errors[:3]}")
    return sum(done.values()) / (time.perf_counter() - started)


def raw_sqlite(directory: Path, clients: int, seconds: float) -> float:
    path = directory / "raw.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    for statement in RAW_TABLES:
        setup.execute(statement)
    setup.executemany(
        "INSERT INTO raw_levels VALUES (?, ?, 0)",
        [(f"RAW-{n:03d}", WAREHOUSE) for n in range(clients)],
    )
    setup.close()

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    turn = threading.Lock()  # one writer at a time, as SQLite allows, without busy back-off

    def transact(conn: sqlite3.Connection, sku: str) -> None:
        with turn:
            write(conn, sku)

    def write(conn: sqlite3.Connection, sku: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO raw_ledger VALUES (?, ?, ?, 1, '1.5000', strftime('%Y-%m-%dT%H:%M:%f'))",
            (secrets.token_hex(13), sku, WAREHOUSE),
        )
        conn.execute(
            "UPDATE raw_levels SET on_hand = on_hand + 1 WHERE sku = ? AND warehouse = ?",
            (sku, WAREHOUSE),
        )
        conn.execute("COMMIT")

    return raw_loop(connect, transact, clients, seconds)


def raw_postgres(url: str, clients: int, seconds: float) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as setup:
        for statement in RAW_TABLES:
            setup.execute(statement.replace("created_at TEXT", "created_at TIMESTAMPTZ"))
        with setup.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO raw_levels VALUES (%s, %s, 0)",
                [(f"RAW-{n:03d}", WAREHOUSE) for n in range(clients)],
            )

    def transact(conn: psycopg.Connection[Any], sku: str) -> None:
        conn.execute(
            "INSERT INTO raw_ledger VALUES (%s, %s, %s, 1, 1.5, now())",
            (secrets.token_hex(13), sku, WAREHOUSE),
        )
        conn.execute(
            "UPDATE raw_levels SET on_hand = on_hand + 1 WHERE sku = %s AND warehouse = %s",
            (sku, WAREHOUSE),
        )
        conn.commit()

    return raw_loop(lambda: psycopg.connect(url), transact, clients, seconds)
