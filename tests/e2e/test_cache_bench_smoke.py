"""The cache benchmark still runs end to end (tiny sizes; nothing here is timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "cache.py"
ROWS = (
    "generation read alone",
    "authenticate",
    "GET product",
    "GET product stock",
    "GET 50 products",
    "GET 50 levels of a warehouse",
    "GET 50 movements",
    "valuation, 40 levels",
    # old and new adapters, side by side
    "memory get, hit",
    "memory get, miss",
    "memory set (replace)",
    "file get, hit",
    "file get, miss",
    "file set (replace)",
    "new id",
    "record_movements",
)


@pytest.mark.bench
def test_the_cache_benchmark_runs_and_reports_every_read(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--products",
            "10",
            "--reads",
            "8",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for row in ROWS:
        assert f"| {row} |" in done.stdout
    assert list(tmp_path.iterdir()) == []  # its file caches are cleared away
