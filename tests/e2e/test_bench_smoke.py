"""The benchmark scripts still run end to end (tiny sizes; nothing here is timed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import server_url

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_and_paging.py"
SCALE_OUT = BENCH.with_name("scale_out.py")
WRITE_PATH = BENCH.with_name("write_path.py")
STOCK_DETAIL = BENCH.with_name("stock_detail.py")
EMPTIED_SLOTS = BENCH.with_name("emptied_slots.py")
HTTP_API = BENCH.with_name("http_api.py")


@pytest.mark.bench
def test_the_import_and_paging_benchmark_runs_and_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--products", "200", "--movements", "1000", "--pages", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for phase in ("products-raw", "products-use-case", "movements-raw", "movements-use-case"):
        assert phase in done.stdout
    assert done.stdout.count("of the raw executemany ceiling") == 2
    assert "page 1 " in done.stdout
    assert "page 5 " in done.stdout


def on_store(store: str, script: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run a benchmark taking ``--stores`` on ``store`` alone (PostgreSQL: the test server's)."""
    url = ["--postgres-url", server_url()] if store == "postgres" else []
    return subprocess.run(
        [sys.executable, str(script), *arguments, "--stores", store, *url],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


@pytest.mark.bench
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_stock_detail_benchmark_runs_checks_its_answers_and_compares(store: str) -> None:
    done = on_store(store, STOCK_DETAIL, "--bins", "3", "--lots", "4", "--requests", "30")

    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"^{store} +set up 12 levels \(3 bins x 4 lots\)", done.stdout, re.M)
    for cache in ("off", "memory"):
        for read in ("plain", "detail"):
            figures = rf"^{store} +cache {cache} +{read} +\d+ req/s +p50 +[\d.]+ ms +p99 +[\d.]+ ms"
            assert re.search(rf"{figures} +\(30 requests\)$", done.stdout, re.M), done.stdout
        ratio = rf"^{store} +cache {cache} +detail costs [\d.]+x the plain read \(p50 [\d.]+x\);"
        assert re.search(rf"{ratio} goal <= 2x: (NOT )?MET$", done.stdout, re.M), done.stdout
    assert done.stdout.rstrip().endswith('{"done": true}')


@pytest.mark.bench
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_emptied_slots_benchmark_runs_checks_its_answers_and_compares(store: str) -> None:
    done = on_store(store, EMPTIED_SLOTS, "--bins", "2", "--lots", "3", "--receipts", "5")

    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"^{store} +set up 6 emptied levels \(2 bins x 3 lots\)$", done.stdout, re.M)
    for label in ("no history", "emptied levels"):
        figures = rf"^{store} +{label} +\d+ receipts/s +p50 +[\d.]+ ms +p99 +[\d.]+ ms$"
        assert re.search(figures, done.stdout, re.M), done.stdout
    cost = rf"^{store} +emptied levels cost [\d.]+x a receipt with none \(p50 [\d.]+x\)$"
    assert re.search(cost, done.stdout, re.M), done.stdout
    assert done.stdout.rstrip().endswith('{"done": true}')


@pytest.mark.bench
@pytest.mark.postgres
@pytest.mark.redis
def test_the_scale_out_benchmark_runs_keeps_every_invariant_and_compares() -> None:
    redis_url = os.environ.get("INVENTORY_TEST_REDIS_URL")
    done = subprocess.run(
        [sys.executable, str(SCALE_OUT), "--units", "12", "--attempts", "20", "--clients", "4",
         "--workers", "1", "--postgres-url", server_url(),
         *(["--redis-url", redis_url] if redis_url else ["--no-redis"])],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    for run in ("baseline  1 x sqlite", "scale-out 2 x postgres"):
        assert f"{run} " in done.stdout
    assert done.stdout.count("attempted 20  201 12  409 8  other 0") == 2
    assert done.stdout.count("verified: ") == 2
    assert "of 1 instance on SQLite" in done.stdout


@pytest.mark.bench
@pytest.mark.postgres
@pytest.mark.redis
def test_the_write_path_benchmark_runs_every_measure_on_both_backends_and_judges_goals() -> None:
    redis_url = os.environ.get("INVENTORY_TEST_REDIS_URL")
    done = subprocess.run(
        [sys.executable, str(WRITE_PATH), "--smoke", "--clients", "4", "--pg-profile",
         "--postgres-url", server_url(),
         *(["--redis-url", redis_url] if redis_url else ["--no-redis"])],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    for store in ("sqlite", "postgres"):
        assert re.search(rf"^{store} +raw +\d+ tx/s$", done.stdout, re.M), done.stdout
        for measure in ("receipt-distinct", "receipt-one-sku", "read-only", "mixed"):
            assert re.search(rf"^{store} +{measure} +\d+ \w+s/s .* failed 0", done.stdout, re.M)
        assert re.search(rf"^{store} +orders +\d+ orders/s .* invariants kept$", done.stdout, re.M)
    assert "PostgreSQL profile (" in done.stdout
    rows = ("raw ceiling", "POST receipt, distinct skus", "POST receipt, one sku",
            "contended orders, one sku", "read-only: reads/s", "95/5 mix: reads/s")  # fmt: skip
    for row in rows:
        assert re.search(rf"^{re.escape(row)}.*\d.*\d", done.stdout, re.M), row
    verdicts = re.findall(r"^  (MET|NOT MET) +\S", done.stdout, re.M)
    assert len(verdicts) == 7, done.stdout


@pytest.mark.bench
@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_the_http_benchmark_alternates_bare_and_get_and_keeps_the_median_round() -> None:
    done = subprocess.run(
        [sys.executable, str(HTTP_API), "--configs", "sync:1x1", "--seconds", "1",
         "--rounds", "3", "--connections", "2"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    scenarios = [line.split()[5] for line in done.stdout.splitlines() if " req/s" in line]
    assert scenarios == ["bare", "get"] * 3 + ["list", "post"]
    assert done.stdout.count("errors 0 ") == len(scenarios)
    shares = [float(share) for share in re.findall(r"\(([\d.]+)x bare\)", done.stdout)]
    summary = re.search(r"over 3 alternated rounds: (.+) \(median ([\d.]+)x\)", done.stdout)
    assert summary is not None, done.stdout
    assert summary.group(1) == ", ".join(f"{share:.2f}x" for share in shares)
    assert float(summary.group(2)) == sorted(shares)[1]
