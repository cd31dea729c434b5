"""Bulk import and keyset paging on SQLite, beside a bare baseline in the same run.

    python bench/import_and_paging.py [--products 100000] [--movements 1000000]

Prints, for each phase: rows, seconds, rows/s and the peak resident memory of
the process that ran it (each phase runs in a fresh process, so peaks don't
mix). The baseline ("raw") reads the same CSV with ``csv.reader`` and inserts
the rows with one ``sqlite3.executemany`` into the same schema, with the same
pragmas, in one transaction: the ceiling for any import. The use-case import
validates every row, applies the domain rules, keeps stock levels and average
cost, and writes in batches, also in one transaction.

Then times page 1 and page 1,000 of the movement list (50 a page) through the
use case: with keyset pagination the two should cost about the same.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from inventory.adapters.sqlite.database import SqliteDatabase

WAREHOUSES = ("WH-A", "WH-B", "WH-C", "WH-D")


def generate(directory: Path, products: int, movements: int) -> tuple[Path, Path]:
    """A products CSV and a movements CSV that import cleanly (no refused row)."""
    rng = random.Random(7)
    products_csv = directory / "products.csv"
    with products_csv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "category", "unit", "reorder_point", "reorder_quantity"])
        for n in range(products):
            w.writerow([f"SKU-{n:07d}", f"Product {n}", f"cat-{n % 50}", "each", n % 20, 10])
    movements_csv = directory / "movements.csv"
    held: dict[tuple[int, str], int] = {}
    with movements_csv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity",
                    "unit_cost", "counted_quantity", "reason", "reference"])  # fmt: skip
        for n in range(movements):
            p, wh = rng.randrange(products), rng.choice(WAREHOUSES)
            sku, have = f"SKU-{p:07d}", held.get((p, wh), 0)
            roll = rng.random()
            if have == 0 or roll < 0.55:
                q = rng.randint(1, 50)
                cost = f"{rng.randint(100, 99999) / 100:.2f}"
                w.writerow(["receipt", sku, wh, "", "", q, cost, "", "", f"PO-{n}"])
                held[p, wh] = have + q
            elif roll < 0.85:
                q = rng.randint(1, have)
                w.writerow(["issue", sku, wh, "", "", q, "", "", "", f"SO-{n}"])
                held[p, wh] = have - q
            elif roll < 0.95:
                to = rng.choice([x for x in WAREHOUSES if x != wh])
                q = rng.randint(1, have)
                w.writerow(["transfer", sku, "", wh, to, q, "", "", "", f"TR-{n}"])
                held[p, wh] = have - q
                held[p, to] = held.get((p, to), 0) + q
            else:
                counted = max(0, have + rng.randint(-3, 3))
                w.writerow(["adjustment", sku, wh, "", "", "", "", counted, "count", ""])
                held[p, wh] = counted
    return products_csv, movements_csv


def _fresh_database(path: Path) -> SqliteDatabase:
    db = SqliteDatabase.from_url(f"sqlite:///{path}")
    db.migrate()
    return db


def _setup_warehouses(db: SqliteDatabase) -> None:
    from inventory.adapters.clock import utc_now
    from inventory.application.catalog import add_warehouse
    from inventory.application.commands import CreateWarehouse

    for code in WAREHOUSES:
        add_warehouse(CreateWarehouse(code=code, name=code), db.unit_of_work(), utc_now)


def phase_products_use_case(db_path: Path, products_csv: Path) -> tuple[int, float]:
    from inventory.adapters.clock import utc_now
    from inventory.application.importing import import_products

    db = _fresh_database(db_path)
    start = time.perf_counter()
    with products_csv.open(newline="") as source:
        rows = import_products(source, db.unit_of_work(), utc_now)
    return rows, time.perf_counter() - start


def phase_products_raw(db_path: Path, products_csv: Path) -> tuple[int, float]:
    from inventory.adapters.clock import utc_now
    from inventory.application.times import rfc3339

    db = _fresh_database(db_path)
    conn = db.connect()
    start = time.perf_counter()
    now = rfc3339(utc_now())
    with products_csv.open(newline="") as source:
        reader = csv.reader(source)
        next(reader)
        rows = [
            (sku, name, cat, unit, int(rp), int(rq), now, now, name.casefold())
            for sku, name, cat, unit, rp, rq in reader
        ]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO products (sku, name, description, category, unit, barcode, reorder_point,"
        " reorder_quantity, average_cost, archived, created_at, updated_at, version, name_folded)"
        " VALUES (?, ?, '', ?, ?, NULL, ?, ?, '0.0000', 0, ?, ?, 1, ?)",
        rows,
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return len(rows), seconds


def phase_movements_use_case(db_path: Path, movements_csv: Path) -> tuple[int, float]:
    from inventory.adapters.clock import utc_now
    from inventory.adapters.ids import new_id
    from inventory.application.importing import import_movements

    db = SqliteDatabase.from_url(f"sqlite:///{db_path}")
    _setup_warehouses(db)
    start = time.perf_counter()
    with movements_csv.open(newline="") as source:
        rows = import_movements(source, db.unit_of_work(), utc_now, new_id, "bench")
    return rows, time.perf_counter() - start


def phase_movements_raw(db_path: Path, movements_csv: Path) -> tuple[int, float]:
    from inventory.adapters.clock import utc_now
    from inventory.adapters.ids import new_id
    from inventory.application.times import rfc3339

    db = SqliteDatabase.from_url(f"sqlite:///{db_path}")
    _setup_warehouses(db)
    conn = db.connect()
    start = time.perf_counter()
    now = rfc3339(utc_now())
    conn.execute("BEGIN IMMEDIATE")
    count = 0
    with movements_csv.open(newline="") as source:
        reader = csv.reader(source)
        next(reader)
        batch = []
        for kind, sku, wh, frm, to, q, cost, counted, reason, ref in reader:
            if kind == "transfer":
                wh = frm
            quantity = int(q) if q else int(counted)
            batch.append((new_id(), kind, sku, wh, to or None, quantity, cost or None,
                          reason or None, ref or None, now))  # fmt: skip
            if len(batch) == 10_000:
                count += _insert_movements(conn, batch)
                batch = []
        count += _insert_movements(conn, batch)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return count, seconds


def _insert_movements(conn: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> int:
    conn.executemany(
        "INSERT INTO movements (id, type, sku, warehouse, to_warehouse, quantity, unit_cost,"
        " reason, reference, note, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 'bench')",
        rows,
    )
    return len(rows)


def phase_paging(db_path: Path, pages: int) -> dict[str, float]:
    from inventory.application.listing import MovementList
    from inventory.application.stock import list_movements

    db = SqliteDatabase.from_url(f"sqlite:///{db_path}")

    def fetch(cursor: str | None) -> tuple[float, str | None]:
        start = time.perf_counter()
        page = list_movements(MovementList(limit=50, cursor=cursor), db.unit_of_work())
        return time.perf_counter() - start, page.next_cursor

    cursor = None
    walk_start = time.perf_counter()
    for _ in range(pages - 1):
        _, cursor = fetch(cursor)
    walk = time.perf_counter() - walk_start
    first = statistics.median(fetch(None)[0] for _ in range(200))
    last = statistics.median(fetch(cursor)[0] for _ in range(200))
    return {"page_1_ms": first * 1000, f"page_{pages}_ms": last * 1000, "walk_s": walk}


def _peak_rss_mib() -> float:
    # VmHWM is this process image's own peak (ru_maxrss would carry the
    # parent's peak across fork + exec on Linux).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PHASES = {
    "products-raw": phase_products_raw,
    "products-use-case": phase_products_use_case,
    "movements-raw": phase_movements_raw,
    "movements-use-case": phase_movements_use_case,
}


def run_phase(name: str, db_path: Path, source: Path) -> dict[str, float]:
    """Run one phase in a fresh process; its rows, seconds and peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, str(db_path), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--phase", nargs=3, metavar=("NAME", "DB", "SOURCE"))
    args = parser.parse_args()

    if args.phase:
        name, db, source = args.phase
        rows, seconds = PHASES[name](Path(db), Path(source))
        peak = _peak_rss_mib()
        print(json.dumps({"rows": rows, "seconds": seconds, "peak_mib": peak}))
        return

    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        products_csv, movements_csv = generate(d, args.products, args.movements)
        print(f"generated {args.products:,} products and {args.movements:,} movements "
              f"in {time.perf_counter() - t:.1f}s")  # fmt: skip
        results = {}
        for kind, source in (("products", products_csv), ("movements", movements_csv)):
            for variant in ("raw", "use-case"):
                db = d / f"{variant}.db"
                if kind == "products":
                    db.unlink(missing_ok=True)
                    for suffix in ("-wal", "-shm"):
                        Path(f"{db}{suffix}").unlink(missing_ok=True)
                name = f"{kind}-{variant}"
                results[name] = r = run_phase(name, db, source)
                rate = r["rows"] / r["seconds"]
                print(f"{name:20} {r['rows']:>10,} rows {r['seconds']:8.2f}s "
                      f"{rate:>12,.0f} rows/s  peak {r['peak_mib']:6.1f} MiB")  # fmt: skip
            raw, used = results[f"{kind}-raw"], results[f"{kind}-use-case"]
            ratio = (used["rows"] / used["seconds"]) / (raw["rows"] / raw["seconds"])
            print(f"{kind}: use case at {ratio:.1%} of the raw executemany ceiling (target >= 25%)")

        paging = phase_paging(d / "use-case.db", args.pages)
        keys = list(paging)
        print(f"movement list, 50 a page: page 1 {paging[keys[0]]:.3f} ms, "
              f"page {args.pages} {paging[keys[1]]:.3f} ms (median of 200); "
              f"walking {args.pages - 1} pages took {paging['walk_s']:.2f}s")  # fmt: skip


if __name__ == "__main__":
    main()
