"""The README's tour, run as written with bash against a live server and the real CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.http_server import running_server
from tests.e2e.shell import REPO

README = REPO / "README.md"
TOTALS = re.compile(r'# "totals":(\{[^}]*\})')
"""A figure the tour announces, in a comment under the command that prints it."""
PRINTED_TOTALS = re.compile(r'"totals": *(\{[^}]*\})')


def tour_blocks(text: str) -> list[str]:
    """The ```sh blocks of the README's "## Tour" section, in order."""
    section = text.split("\n## Tour\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```$", section, re.M | re.S)


def test_the_tour_has_its_blocks_and_names_its_figures() -> None:
    blocks = tour_blocks(README.read_text())
    assert len(blocks) >= 3
    script = "\n".join(blocks)
    assert "$BASE" in script
    assert "${KEY:?" in script
    assert len(TOTALS.findall(script)) >= 2


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    script = "\n".join(tour_blocks(README.read_text()))
    promised = [json.loads(found) for found in TOTALS.findall(script)]
    with running_server(tmp_path, workers=2, threads=1) as server:
        # The tour puts the checkout's .venv/bin on PATH; here it is the server's directory,
        # where `inventory` is this interpreter running this checkout.
        bin_dir = tmp_path / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        command = bin_dir / "inventory"
        command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m inventory "$@"\n')
        command.chmod(0o755)
        env = {**server.cli.env, "BASE": f"http://127.0.0.1:{server.port}", "KEY": server.admin_key}
        done = subprocess.run(
            ["bash", "-eu", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"the tour failed:\n{done.stdout}\n{done.stderr}"

        # Every figure the tour announces was printed by the command before it.
        printed = [json.loads(found) for found in PRINTED_TOTALS.findall(done.stdout)]
        assert printed == promised
        stock = server.client().ok("GET", "/api/v1/products/BOLT-M8/stock")
        assert stock["totals"] == promised[-1]
        report = re.findall(r"^# (.*,TOTAL,.*)$", script, re.M)
        assert len(report) == 1
        assert done.stdout.count(report[0] + "\n") == 2  # the job's report, and the CLI's
        assert server.cli.run("check").returncode == 0
