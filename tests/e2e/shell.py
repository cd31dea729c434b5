"""Running the real ``inventory`` command in a subprocess, as a user's shell would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


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
