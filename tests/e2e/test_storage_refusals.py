"""A database that refuses writes, or cannot be reached, as the CLI and the server answer it.

The CLI prints one line on stderr and exits 1 (no traceback, no driver's
retry noise, no password); the server answers a write 503 ``unavailable``,
still serves reads, and ``/ready`` names the storage as not writable.

Tests run as root in CI, and root writes a file whatever its mode: the
processes that must meet a read-only SQLite file run without the capability
that lets root ignore permissions (``setpriv``), as any other user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.http_server import Client, Server, server_ready
from tests.e2e.shell import Cli, cli_env
from tests.postgres import emptied_schema, read_only
from tests.waiting import free_port

pytestmark = pytest.mark.e2e

PASSWORD = "hunter2-Qx7"


def unprivileged() -> list[str]:
    """The command prefix that makes root obey file permissions (nothing for anyone else)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def run(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """``inventory ...`` as ``cli.run`` does, but without root's power over file modes."""
    return subprocess.run(
        [*unprivileged(), sys.executable, "-m", "inventory", *args],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextmanager
def read_only_database(backend: str, directory: Path) -> Iterator[tuple[Cli, str]]:
    """A migrated database holding warehouse MAIN and an admin key, then made read-only.

    Yields a CLI on it and the admin key. SQLite: the file's mode is 0444.
    PostgreSQL: every transaction of the CLI's connections is read-only.
    """
    if backend == "sqlite":
        path = directory / "inventory.db"
        cli = Cli(directory, cli_env(f"sqlite:///{path}", INVENTORY_RATE_LIMIT="off"))
        key = cli.ok("keys", "create", "--name", "admin", "--role", "admin").strip()
        cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main hall")
        path.chmod(0o444)
        yield cli, key
        return
    with emptied_schema() as url:
        cli = Cli(directory, cli_env(url, INVENTORY_RATE_LIMIT="off"))
        key = cli.ok("keys", "create", "--name", "admin", "--role", "admin").strip()
        cli.ok("warehouses", "add", "--code", "MAIN", "--name", "Main hall")
        yield Cli(directory, cli_env(read_only(url), INVENTORY_RATE_LIMIT="off")), key


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_write_to_a_read_only_database_is_one_line_and_exit_1_and_reads_work(
    tmp_path: Path, backend: str
) -> None:
    with read_only_database(backend, tmp_path) as (cli, _):
        refused = run(cli, "products", "add", "--sku", "BOLT", "--name", "Bolt")
        listed = run(cli, "--json", "warehouses", "list")

    assert refused.returncode == 1
    (line,) = refused.stderr.splitlines()
    assert line.startswith("inventory: the database ")
    assert "is read-only: " in line
    assert refused.stdout == ""
    assert listed.returncode == 0, listed.stderr
    assert '"MAIN"' in listed.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_server_on_a_read_only_database_answers_writes_503_and_is_not_ready(
    tmp_path: Path, backend: str
) -> None:
    with read_only_database(backend, tmp_path) as (cli, key):
        port = free_port()
        log = tmp_path / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*unprivileged(), sys.executable, "-m", "inventory", "serve", "--host",
                 "127.0.0.1", "--port", str(port), "--workers", "1", "--no-jobs"],
                cwd=tmp_path, env=cli.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        server = Server(process, port, cli, key, log, cli.env["INVENTORY_DATABASE_URL"])
        try:
            server_ready(port, process, log, path="/health")
            admin = server.client()
            write = admin.post("/api/v1/products", {"sku": "BOLT", "name": "Bolt"})
            read = admin.get("/api/v1/warehouses/MAIN")
            ready = Client(port).get("/ready")
        finally:
            assert server.stop() == 0

    assert (write.status, write.json["code"]) == (503, "unavailable")
    assert "read-only" in write.json["detail"]
    assert write.header("Retry-After")
    assert read.status == 200
    assert ready.status == 503
    assert ready.json["checks"]["storage"].startswith("not writable: ")
    assert "Traceback" not in server.logs()


def test_an_unreachable_postgresql_is_one_line_naming_the_server_without_its_password(
    tmp_path: Path,
) -> None:
    # Nothing listens on port 1: every connection attempt is refused at once.
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test?pool_timeout_ms=1500"
    cli = Cli(tmp_path, cli_env(url))

    done = cli.run("products", "list")

    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "inventory: cannot reach the database postgresql://postgres@127.0.0.1:1/test"
    )
    assert "Connection refused" in line
    assert PASSWORD not in done.stderr
    assert done.stdout == ""
