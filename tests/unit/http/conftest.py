"""The HTTP API in-process, on memory storage, with a key of each role."""

from __future__ import annotations

import pytest

from tests.unit.http.driver import Api


@pytest.fixture
def api() -> Api:
    """A fresh API: no products or warehouses, three keys (admin, clerk, viewer)."""
    return Api()


@pytest.fixture
def stocked(api: Api) -> Api:
    """Warehouse MAIN holds 10 BOLT, received at 1.00."""
    api.given_stock("BOLT", "MAIN", 10)
    return api
