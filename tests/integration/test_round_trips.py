"""Statements and round trips per HTTP request on PostgreSQL, counted (issue 14).

The WSGI application runs in process over the run's PostgreSQL schema and a
memory cache; :mod:`tests.roundtrips` counts what each request sends. Each
ceiling is what the code does now: a change that adds a round trip fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.application.access import create_api_key
from inventory.application.commands import CreateApiKey
from inventory.bootstrap import Services
from inventory.config import Settings
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.middleware import WsgiApp
from tests.factories import FixedClock, SequentialSecrets
from tests.postgres import emptied_schema
from tests.roundtrips import Counter, counting
from tests.unit.http.driver import Reply, UrlSafeIds, call, environ_for, served_routes
from tests.waiting import wait_for

pytestmark = pytest.mark.postgres

# (statements, round trips) each request may cost at most. A write costs three:
# the API key's lookup, alone; the reads it is about to take, read ahead with
# the BEGIN in one pipeline (ADR 0019); its writes, with the COMMIT.
CEILINGS = {
    "POST receipt": (14, 3),
    "POST receipt, Idempotency-Key": (28, 9),
    "POST issue": (13, 3),
    "POST order": (15, 3),
    "GET product, cached": (1, 1),
    "GET product stock, not cached": (6, 5),
}


@dataclass
class Served:
    app: WsgiApp
    key: str
    cache: MemoryCache

    def request(self, method: str, target: str, body: Any = None, **headers: str) -> Reply:
        data = b"" if body is None else json.dumps(body).encode()
        sent = {"Authorization": f"Bearer {self.key}", **headers}
        if data:
            sent["Content-Type"] = "application/json"
        return call(self.app, environ_for(method, target, sent, data))

    def ok(self, method: str, target: str, body: Any = None, **headers: str) -> Any:
        reply = self.request(method, target, body, **headers)
        assert 200 <= reply.status < 300, f"{method} {target}: {reply.status} {reply.body!r}"
        return reply.json


@pytest.fixture
def served() -> Iterator[Served]:
    """The API over PostgreSQL and a memory cache; MAIN holds 100 BOLT; the admin key is warm."""
    from inventory.adapters.postgres import PostgresDatabase

    with emptied_schema() as url:
        database = PostgresDatabase.from_url(url)
        try:
            clock = FixedClock(step=timedelta(milliseconds=1))
            ids, secrets = UrlSafeIds(), SequentialSecrets()
            settings = Settings(database_url=url)
            cache = MemoryCache()
            services = Services(settings, database, clock, ids, secrets, cache=cache)
            _, key = create_api_key(
                CreateApiKey(name="admin-ada", role=Role.ADMIN),
                database.unit_of_work(),
                clock,
                ids,
                secrets,
            )
            api = Served(wsgi_app(services, list(served_routes())), key, cache)
            api.ok("POST", "/api/v1/warehouses", {"code": "MAIN", "name": "Main"})
            api.ok("POST", "/api/v1/products", {"sku": "BOLT", "name": "Bolt"})
            api.ok("POST", "/api/v1/movements", _receipt(100))
            yield api
        finally:
            database.close()


def _receipt(quantity: int) -> dict[str, Any]:
    return {
        "type": "receipt",
        "sku": "BOLT",
        "warehouse": "MAIN",
        "quantity": quantity,
        "unit_cost": "1.50",
    }


def _check(name: str, counter: Counter) -> None:
    statements, round_trips = CEILINGS[name]
    print(f"{name}: {counter.statements} statements, {counter.round_trips} round trips")
    sent = "\n  ".join(counter.sql)
    assert counter.round_trips <= round_trips, f"{name}: {counter.round_trips}:\n  {sent}"
    assert counter.statements <= statements, f"{name}: {counter.statements}:\n  {sent}"
    assert counter.round_trips >= 1, "nothing was counted: the counter is not hooked in"


def test_each_write_stays_within_its_round_trips(served: Served) -> None:
    with counting() as counter:
        served.ok("POST", "/api/v1/movements", _receipt(5))
    _check("POST receipt", counter)

    with counting() as counter:
        served.ok("POST", "/api/v1/movements", _receipt(5), **{"Idempotency-Key": "once"})
    _check("POST receipt, Idempotency-Key", counter)

    issue = {"type": "issue", "sku": "BOLT", "warehouse": "MAIN", "quantity": 3}
    with counting() as counter:
        served.ok("POST", "/api/v1/movements", issue)
    _check("POST issue", counter)

    order = {"reference": "SO-1", "warehouse": "MAIN", "lines": [{"sku": "BOLT", "quantity": 2}]}
    with counting() as counter:
        served.ok("POST", "/api/v1/orders", order)
    _check("POST order", counter)

    stock = served.ok("GET", "/api/v1/products/BOLT/stock")
    assert stock["totals"]["on_hand"] == 107
    assert stock["totals"]["reserved"] == 2


def test_each_read_stays_within_its_round_trips(served: Served) -> None:
    # A read is kept only if no older transaction was running on the server
    # (ADR 0017's xmin rule), and the server may be busy with other work.
    def served_from_the_cache() -> bool:
        misses = served.cache.stats().misses
        served.ok("GET", "/api/v1/products/BOLT")
        return served.cache.stats().misses == misses

    wait_for(served_from_the_cache, "the product served from the cache")
    with counting() as counter:
        assert served.ok("GET", "/api/v1/products/BOLT")["sku"] == "BOLT"
    _check("GET product, cached", counter)

    with counting() as counter:
        assert served.ok("GET", "/api/v1/products/BOLT/stock")["totals"]["on_hand"] == 100
    _check("GET product stock, not cached", counter)
