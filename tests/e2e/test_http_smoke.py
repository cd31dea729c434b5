"""The server starts, answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.http_server import running_server

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
