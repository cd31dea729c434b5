"""``python3 dev.py run``: a SIGTERM or SIGINT sent to it stops the whole server tree."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.http_server import server_ready
from tests.e2e.shell import REPO, cli_env
from tests.waiting import NotReady, free_port, wait_for

pytestmark = pytest.mark.e2e

STOP_TIMEOUT = 30.0
"""How long the tree may take to stop: well under gunicorn's graceful timeout when idle."""


def _parents() -> dict[int, int]:
    """Every live process's parent pid, read from /proc (zombies count as gone)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it has just exited
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if state != "Z":
            found[int(entry.name)] = int(ppid)
    return found


def _tree(root: int) -> set[int]:
    """``root`` and every live process descended from it."""
    parents = _parents()
    tree = {root}
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return tree & (parents.keys() | {root})


def _alive(pids: set[int]) -> set[int]:
    return pids & _parents().keys()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_dev_run_stops_every_process_of_the_server(
    tmp_path: Path, signum: signal.Signals
) -> None:
    # Else dev.py run would set .venv up first (pip, minutes): `python3 dev.py lint` does it.
    stamp, pyproject = REPO / ".venv" / ".installed", REPO / "pyproject.toml"
    assert stamp.exists(), "no .venv set up by dev.py"
    assert stamp.stat().st_mtime >= pyproject.stat().st_mtime, ".venv older than pyproject.toml"
    port = free_port()
    log = tmp_path / "dev-run.log"
    # Its own database: the checkout's inventory.db is never touched.
    env = cli_env(f"sqlite:///{tmp_path / 'inventory.db'}", INVENTORY_RATE_LIMIT="off")
    with log.open("wb") as out:
        dev = subprocess.Popen(
            [sys.executable, str(REPO / "dev.py"), "run", "--port", str(port), "--workers", "2"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    tree: set[int] = {dev.pid}
    try:
        server_ready(port, dev, log, workers=2, path="/health")
        tree = _tree(dev.pid)
        # dev.py, `inventory serve` (gunicorn's master), 2 workers and the job runner.
        assert len(tree) >= 5, log.read_text()

        dev.send_signal(signum)

        status = dev.wait(STOP_TIMEOUT)
        with contextlib.suppress(NotReady):  # the assertion below says what is left
            wait_for(lambda: not _alive(tree), "every process gone", STOP_TIMEOUT, every=0.05)
        assert _alive(tree) == set(), log.read_text()
        assert status == 0, log.read_text()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        for pid in _alive(tree):
            os.kill(pid, signal.SIGKILL)
        if dev.poll() is None:
            dev.wait(5)
