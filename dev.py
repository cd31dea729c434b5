#!/usr/bin/env python3
"""The quick start and the checks, with nothing but Python 3.11+ installed.

    python3 dev.py run      set up, then serve the HTTP API on the embedded SQLite default
    python3 dev.py test     set up, then run every test under coverage (90% gate)
                            (--fast: unit and in-process tests only, in under a minute;
                            --bench-smoke: the benchmark scripts' smoke runs)
    python3 dev.py lint     ruff, ruff format --check, mypy --strict; hadolint (Dockerfile),
                            actionlint and yamllint (.github/workflows)
    python3 dev.py demo     a warehouse day through the CLI, on demo.db
    python3 dev.py bench    the import and paging benchmark (http: the HTTP one, needs wrk;
                            scale: contended orders on two instances on PostgreSQL;
                            write: the write path on SQLite and PostgreSQL, with its goals;
                            detail: a product's stock per location and lot beside its plain
                            stock read; emptied: receipts of a product whose 1,000 levels
                            were emptied, beside one with none)

"Set up" creates .venv/ and installs the project with its dev extra, once,
and again whenever pyproject.toml changes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".installed"


def set_up() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by any python3
        sys.exit(f"inventory needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    pyproject = ROOT / "pyproject.toml"
    if STAMP.exists() and STAMP.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    print("setting up .venv (once) ...", flush=True)
    step(sys.executable, "-m", "venv", str(VENV))
    step(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    step(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]")
    STAMP.touch()


def step(*command: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        sys.exit(done.returncode)


def run(*serve_args: str) -> None:
    """Serve the API (``inventory serve``); on the first start, make an admin key and show it."""
    inventory = str(BIN / "inventory")
    listed = subprocess.run(
        [inventory, "--json", "keys", "list"], cwd=ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0:
        sys.exit(listed.stderr.strip())
    if not json.loads(listed.stdout)["items"]:
        made = subprocess.run(
            [inventory, "keys", "create", "--name", "admin", "--role", "admin"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"first start: your admin API key is {made.stdout.strip()}")
        print("  (shown this once; more with: .venv/bin/inventory keys create --name N --role R)")
    port = serve_args[serve_args.index("--port") + 1] if "--port" in serve_args[:-1] else "8000"
    print(f"serving http://127.0.0.1:{port} - try /docs; Ctrl-C stops", flush=True)
    sys.exit(foreground(inventory, "serve", *serve_args))


def foreground(*command: str) -> int:
    """Run ``command`` until it exits, passing SIGTERM and SIGINT on to it; its exit status.

    The child gets a process group of its own, so that Ctrl-C reaches it once,
    through here, and not a second time straight from the terminal.
    """
    child = subprocess.Popen(command, cwd=ROOT, process_group=0)

    def pass_on(signum: int, frame: object) -> None:
        child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, pass_on)
    status = child.wait()
    return 128 - status if status < 0 else status


def demo() -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    step("sh", str(ROOT / "docs" / "demo.sh"), env=env)


FAST = "not e2e and not postgres and not redis and not bench"
"""The fast lane: unit tests and the in-process ones (memory and SQLite storages, file
caches, the job runner's threads); no server, no CLI process, no PostgreSQL, no Redis."""


def test(*args: str) -> None:
    """Every test under coverage (90% gate), then the 15 slowest; other arguments go to pytest.

    ``--fast``: the fast lane only, plain pytest (no coverage, no gate).
    ``--bench-smoke``: only the benchmark scripts' smoke runs (``-m bench``), which the
    default run leaves out.
    """
    pytest_args = [arg for arg in args if arg not in ("--fast", "--bench-smoke")]
    if "--fast" in args:
        step(str(BIN / "python"), "-m", "pytest", "-n", "2", "-m", FAST, *pytest_args)
        return
    if "--bench-smoke" in args:
        step(str(BIN / "python"), "-m", "pytest", "-m", "bench", *pytest_args)
        return
    for old in ROOT.glob(".coverage*"):
        old.unlink()
    # Two xdist workers; a module's e2e tests stay on one (tests/conftest.py groups them).
    xdist = ["-n", "2", "--dist", "loadgroup"]
    step(str(BIN / "coverage"), "run", "-m", "pytest", *xdist, "--durations=15", *pytest_args)
    step(str(BIN / "coverage"), "combine", "--quiet")
    step(str(BIN / "coverage"), "report")
    step(str(BIN / "python"), str(ROOT / ".ci" / "coverage_gate.py"), "90")


OPS_SCRIPTS = (
    "ops/smoke", "ops/container/observe", ".github/changelog-section",
)  # fmt: skip
"""The Python scripts of operations and CI (no .py suffix: they are commands)."""


def lint() -> None:
    step(str(BIN / "ruff"), "check", "inventory", "tests", "bench", "dev.py", *OPS_SCRIPTS)
    step(
        str(BIN / "ruff"),
        "format",
        "--check",
        "inventory",
        "tests",
        "bench",
        "dev.py",
        *OPS_SCRIPTS,
    )
    step(str(BIN / "mypy"), "--strict", "inventory", "tests")
    step(str(BIN / "mypy"), "--strict", "--scripts-are-modules", *OPS_SCRIPTS)
    step(str(BIN / "hadolint"), "--failure-threshold", "warning", "Dockerfile")
    workflows = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob(".github/workflows/*.yml"))
    step(str(BIN / "actionlint"), "-no-color", "-shellcheck", str(BIN / "shellcheck"), *workflows)
    step(str(BIN / "yamllint"), "--strict", "-c", ".yamllint.yml", ".github/workflows", "ops")
    shell = [str(path.relative_to(ROOT)) for path in ROOT.glob("ops/**/*") if _is_bash(path)]
    step(str(BIN / "shellcheck"), "-x", "--source-path=SCRIPTDIR", *sorted(shell))


def _is_bash(path: Path) -> bool:
    """A bash script (by its first line), or a file of them, such as ops/container/lib.sh."""
    if not path.is_file():
        return False
    with path.open("rb") as file:
        return file.readline().startswith(b"#!/usr/bin/env bash") or path.suffix == ".sh"


def bench(*args: str) -> None:
    scripts = {
        "http": "http_api.py",
        "scale": "scale_out.py",
        "write": "write_path.py",
        "detail": "stock_detail.py",
        "emptied": "emptied_slots.py",
    }
    if args[:1] and args[0] in scripts:
        step(str(BIN / "python"), str(ROOT / "bench" / scripts[args[0]]), *args[1:])
        return
    step(str(BIN / "python"), str(ROOT / "bench" / "import_and_paging.py"), *args)


TASKS = {"run": run, "test": test, "lint": lint, "demo": demo, "bench": bench}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(__doc__)
    set_up()
    try:
        TASKS[sys.argv[1]](*sys.argv[2:])
    except KeyboardInterrupt:  # Ctrl-C reached the child too, which has stopped
        sys.exit(130)


if __name__ == "__main__":
    main()
