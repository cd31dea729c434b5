"""Fixtures the HTTP end-to-end modules share: one real server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.http_server import BACKENDS, Client, Server, running_server


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each storage backend in turn: the module's tests run against every one."""
    return str(request.param)


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, backend: str
) -> Iterator[Server]:
    """``inventory serve`` (2 workers x 4 threads) on a fresh database, for the whole module."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with running_server(tmp_path_factory.mktemp(f"{name}-{backend}"), backend=backend) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: Server) -> Client:
    """A client with the server's admin key."""
    return server.client()
