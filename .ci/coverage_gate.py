"""Fail unless both line and branch coverage of inventory/ reach the threshold."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

threshold = float(sys.argv[1]) if len(sys.argv) > 1 else 90.0
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "coverage.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", "--quiet", "-o", str(out)], check=True
    )
    totals = json.loads(out.read_text())["totals"]

lines = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
branches = 100.0 * totals["covered_branches"] / max(totals["num_branches"], 1)
gate = f"gate {threshold:.0f}%"
print(f"coverage of inventory/: lines {lines:.1f}%, branches {branches:.1f}% ({gate})")
if lines < threshold or branches < threshold:
    print("coverage gate: FAILED", file=sys.stderr)
    sys.exit(1)
