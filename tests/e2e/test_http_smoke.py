"""The server starts, answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.http_server import running_server
from tests.e2e.shell import Cli, cli_env

pytestmark = pytest.mark.e2e


def test_server_answers_then_exits_zero_on_sigterm(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        client = server.client()
        assert client.get("/health").json["status"] == "ok"
        created = client.post("/api/v1/warehouses", {"code": "MAIN", "name": "Main"})
        assert created.status == 201
        assert client.ok("GET", "/api/v1/warehouses/MAIN")["name"] == "Main"
        status = server.stop()
    assert status == 0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "70000"], "--port must be 1 to 65535, not 70000"),
        (["--workers", "0"], "--workers must be 1 to 64, not 0"),
        (["--threads", "65"], "--threads must be 1 to 64, not 65"),
    ],
)
def test_serve_refuses_bad_options_as_bad_usage(
    tmp_path: Path, option: list[str], message: str
) -> None:
    cli = Cli(tmp_path, cli_env(f"sqlite:///{tmp_path}/inventory.db"))

    done = cli.run("serve", *option)

    assert (done.returncode, done.stderr) == (2, f"inventory: {message}\n")
