"""The movements report job over a large ledger: time and peak memory, beside a bare baseline.

    python bench/report_memory.py [--movements 1000000] [--products N] [--format csv|json]

Loads the ledger the way an operator would (``inventory warehouses add``,
``inventory import products``, ``inventory import movements`` on generated
CSV files, the same data as bench/import_and_paging.py but with no reorder
points, so that no low-stock alert job is queued), queues the movements
report with ``inventory report movements --async``, then runs that job in a
fresh process through the runner the service wires (``Services.job_runner()``,
one ``run_once()``: claim, ``produce_report`` into the database, record). The baseline, also in a
fresh process, reads the same rows with a bare ``sqlite3`` cursor in ledger
order (on a connection with the same pragmas, page cache included) and writes
them with ``csv.writer`` (or ``json.dumps`` per row).

Prints, for each: rows, seconds, rows/s, the resident memory before the run
(imports done), its peak (VmHWM), and the growth between the two. A report
that streams grows by a few MiB whatever the ledger's size; one that holds
its rows grows with them. Also says whether both wrote the same bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from import_and_paging import WAREHOUSES, generate

# The same columns as the movements report: a transfer has from/to, not warehouse.
BASELINE_SQL = """
SELECT id, type, sku,
       CASE WHEN type = 'transfer' THEN NULL ELSE warehouse END,
       CASE WHEN type = 'transfer' THEN warehouse END,
       to_warehouse, quantity, unit_cost, reason, reference, note, created_at, created_by
FROM movements ORDER BY created_at, id
"""
COLUMNS = (
    "id", "type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity",
    "unit_cost", "reason", "reference", "note", "created_at", "created_by",
)  # fmt: skip


# JSON rows leave out the members other movement types carry (as the API does).
ONLY_FOR = {
    "warehouse": ("receipt", "issue", "adjustment"),
    "from_warehouse": ("transfer",),
    "to_warehouse": ("transfer",),
    "unit_cost": ("receipt",),
    "reason": ("adjustment",),
}


def _memory_mib(field: str) -> float:
    # VmHWM is this process image's own peak (ru_maxrss would carry the
    # parent's peak across fork + exec on Linux).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _count_rows(path: Path, fmt: str) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        if fmt == "csv":
            return sum(1 for _ in csv.reader(f)) - 1
        return sum(1 for line in f if line.startswith("  {"))


def phase_job(db: Path, out_dir: Path, fmt: str) -> dict[str, Any]:
    """Run the one queued report job as the service's runner would.

    The job stores the report in the database; it is then read back (as a
    download reads it) into a file beside the baseline's, to compare the bytes.
    """
    from inventory.application.reports import download_report
    from inventory.bootstrap import bootstrap
    from inventory.config import load_settings
    from inventory.domain.jobs import JobStatus

    settings = load_settings(database_url=f"sqlite:///{db}")
    services = bootstrap(settings, migrate=False)
    runner = services.job_runner(threads=1)
    _reset_peak()
    before = _memory_mib("VmRSS")
    start = time.perf_counter()
    job = runner.run_once()
    seconds = time.perf_counter() - start
    peak = _memory_mib("VmHWM")
    if job is None:
        raise SystemExit("no report job was queued")
    with services.uow().reading() as uow:
        done = uow.jobs.get(job.id)
    if done is None or done.status is not JobStatus.SUCCEEDED or done.result is None:
        raise SystemExit(f"the report job did not succeed: {done}")
    result, chunks = download_report(done.id, services.uow)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / result.filename
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    services.close()
    return {"rows": _count_rows(path, fmt), "seconds": seconds, "before_mib": before,
            "peak_mib": peak, "path": str(path)}  # fmt: skip


def phase_baseline(db: Path, out_dir: Path, fmt: str) -> dict[str, Any]:
    """The same rows, a bare cursor straight into csv.writer (or json.dumps per row).

    The connection has the pooled ones' pragmas (their page cache too), so the
    memory figures compare like with like.
    """
    from inventory.adapters.sqlite.database import SqliteDatabase

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"baseline.{fmt}"
    conn = SqliteDatabase.from_url(f"sqlite:///{db}").connect()
    _reset_peak()
    before = _memory_mib("VmRSS")
    start = time.perf_counter()
    cursor = conn.execute(BASELINE_SQL)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in cursor:
                writer.writerow(row)
                rows += 1
        else:
            out.write("[")
            for row in cursor:
                only = ONLY_FOR.get
                item = {k: v for k, v in zip(COLUMNS, row, strict=True)
                        if row[1] in only(k, (row[1],))}  # fmt: skip
                out.write(("\n  " if rows == 0 else ",\n  ") + json.dumps(item))
                rows += 1
            out.write("\n]\n" if rows else "]\n")
    seconds = time.perf_counter() - start
    peak = _memory_mib("VmHWM")
    conn.close()
    return {"rows": rows, "seconds": seconds, "before_mib": before, "peak_mib": peak,
            "path": str(path)}  # fmt: skip


PHASES = {"job": phase_job, "baseline": phase_baseline}


def run_phase(name: str, db: Path, out_dir: Path, fmt: str) -> dict[str, Any]:
    """Run one phase in a fresh process; what it measured."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, str(db), str(out_dir), "--format", fmt],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def inventory(db: Path, *args: str) -> str:
    """``inventory ...`` on ``db``, as an operator would run it; its stdout."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env["INVENTORY_DATABASE_URL"] = f"sqlite:///{db}"
    done = subprocess.run(
        [sys.executable, "-m", "inventory", *args],
        env=env, cwd=db.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"inventory {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def no_reorder_points(products_csv: Path) -> None:
    """Reorder points of 0: no low-stock alert job is queued ahead of the report."""
    with products_csv.open(newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("reorder_point")
    for row in rows[1:]:
        row[column] = "0"
    with products_csv.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, help="default: movements / 10, at least 100")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--phase", nargs=3, metavar=("NAME", "DB", "OUT_DIR"))
    args = parser.parse_args()

    if args.phase:
        name, db, out_dir = args.phase
        print(json.dumps(PHASES[name](Path(db), Path(out_dir), args.format)))
        return

    products = args.products or max(100, args.movements // 10)
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        d = Path(tmp)
        db, out_dir = d / "report.db", d / "reports"
        t = time.perf_counter()
        products_csv, movements_csv = generate(d, products, args.movements)
        no_reorder_points(products_csv)
        print(f"generated {products:,} products and {args.movements:,} movements "
              f"in {time.perf_counter() - t:.1f}s")  # fmt: skip
        t = time.perf_counter()
        for code in WAREHOUSES:
            inventory(db, "warehouses", "add", "--code", code, "--name", code)
        inventory(db, "import", "products", str(products_csv))
        inventory(db, "import", "movements", str(movements_csv))
        print(f"loaded them with `inventory import` in {time.perf_counter() - t:.1f}s "
              f"(database {db.stat().st_size / 2**20:,.0f} MiB)")  # fmt: skip
        job_id = inventory(db, "report", "movements", "--async", "--format", args.format).strip()
        print(f"queued report job {job_id} ({args.format})")

        results = {}
        for name, label in (("baseline", "bare cursor"), ("job", "report job")):
            results[name] = r = run_phase(name, db, out_dir, args.format)
            growth = r["peak_mib"] - r["before_mib"]
            print(f"{label:12} {r['rows']:>10,} rows {r['seconds']:8.2f}s "
                  f"{r['rows'] / r['seconds']:>10,.0f} rows/s  "
                  f"RSS before {r['before_mib']:6.1f} MiB, peak {r['peak_mib']:6.1f} MiB "
                  f"(+{growth:.1f})")  # fmt: skip
        job, base = results["job"], results["baseline"]
        same = _digest(str(job["path"])) == _digest(str(base["path"]))
        speed = (job["rows"] / job["seconds"]) / (base["rows"] / base["seconds"])
        print(f"report job at {speed:.0%} of the bare cursor's rate; "
              f"same rows: {job['rows'] == base['rows']}; same bytes: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
