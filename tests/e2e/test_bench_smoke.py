"""The benchmark script still runs end to end (tiny sizes; nothing here is timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_and_paging.py"


@pytest.mark.e2e
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
