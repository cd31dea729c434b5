"""Running the real ``inventory`` command in a subprocess, as a user's shell would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory.entrypoints.lifeline import signal_on_parent_death

REPO = Path(__file__).resolve().parents[2]


def ends_with_this_run() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a long-lived child (a server): the kernel sends it SIGTERM when
    this test process dies, so a run killed outright (no fixture teardown) leaves nothing
    behind. Only from the main thread, whose end is the process's: the kernel ties the
    signal to the thread that started the child."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def in_the_child() -> None:
        signal_on_parent_death(signal.SIGTERM)

    return in_the_child


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a run: no stray INVENTORY_* settings, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["INVENTORY_DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class Cli:
    """``inventory ...`` against one database, from one working directory."""

    cwd: Path
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "inventory", *args],
            cwd=self.cwd,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def ok(self, *args: str, input: str | None = None) -> str:
        """Stdout of a run that must succeed."""
        done = self.run(*args, input=input)
        assert done.returncode == 0, f"inventory {' '.join(args)}: {done.stderr}"
        return done.stdout

    def json(self, *args: str) -> Any:
        """The JSON document a successful ``--json`` run prints."""
        return json.loads(self.ok("--json", *args))

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "inventory", *args],
            cwd=self.cwd,
            env=self.env,
            text=True,
            **kwargs,
        )
