"""Fixtures the HTTP end-to-end modules share: one real server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.http_server import Client, Server, running_server


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``inventory serve`` (2 workers x 4 threads) on a fresh database, for the whole module."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with running_server(tmp_path_factory.mktemp(name)) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: Server) -> Client:
    """A client with the server's admin key."""
    return server.client()
