"""The rate limit at the HTTP edge: headers, 429 and who pays for a request (API.md §8)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from inventory.adapters.metrics import PrometheusMetrics
from inventory.adapters.rate_limits import MemoryRateLimiter
from inventory.application.rate_limits import Rate
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.rate_limit import with_rate_limit
from tests.unit.http.driver import Api, Reply, call, environ_for, served_routes

LIMIT = 3
OPS_PATHS = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]


class Seconds:
    """A clock in seconds that moves only when told."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture
def limited(api: Api, clock: Seconds) -> Api:
    """The API behind a limit of 3 requests a minute, on a clock the test moves."""
    limiter = MemoryRateLimiter(Rate(LIMIT, 60), clock)
    services = dataclasses.replace(api.services, rate_limiter=limiter)
    api.app = wsgi_app(services, served_routes())
    return api


def from_address(api: Api, address: str, path: str = "/api/v1/products") -> Reply:
    """An anonymous GET from ``address``."""
    environ = environ_for("GET", path, {}, b"")
    environ["REMOTE_ADDR"] = address
    return call(api.app, environ)


def spend(api: Api, key: str | None = None, times: int = LIMIT) -> None:
    for _ in range(times):
        assert api.get("/api/v1/products", key=key or api.admin).status == 200


# --- headers -------------------------------------------------------------------------------


def test_an_api_answer_tells_the_limit_what_remains_and_when_it_resets(limited: Api) -> None:
    reply = limited.get("/api/v1/products")

    assert reply.status == 200
    assert reply.header("RateLimit-Limit") == str(LIMIT)
    assert reply.header("RateLimit-Remaining") == str(LIMIT - 1)
    reset = reply.header("RateLimit-Reset") or ""
    assert reset.isdigit()
    assert 60 < int(reset) <= 120


def test_remaining_counts_down_with_each_request(limited: Api) -> None:
    remaining = [limited.get("/api/v1/warehouses").header("RateLimit-Remaining") for _ in "abc"]

    assert remaining == ["2", "1", "0"]


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/api/v1/nothing-here", "admin", 404),
        ("GET", "/api/v1/products/NOPE", "admin", 404),
        ("GET", "/api/v1/products", None, 401),
        ("DELETE", "/api/v1/warehouses", "admin", 405),
        ("POST", "/api/v1/warehouses", "viewer", 403),
        ("OPTIONS", "/api/v1/products", "admin", 204),
        ("HEAD", "/api/v1/products", "admin", 200),
    ],
)
def test_every_api_answer_carries_the_headers_errors_too(
    limited: Api, method: str, path: str, key: str | None, status: int
) -> None:
    secret = None if key is None else getattr(limited, key)

    reply = limited.request(method, path, key=secret)

    assert reply.status == status
    assert reply.header("RateLimit-Limit") == str(LIMIT)
    assert reply.header("RateLimit-Remaining") == str(LIMIT - 1)


@pytest.mark.parametrize("path", OPS_PATHS)
def test_the_ops_endpoints_carry_no_headers_and_are_never_limited(limited: Api, path: str) -> None:
    spend(limited)
    assert limited.get("/api/v1/products").status == 429

    for _ in range(2 * LIMIT):
        reply = limited.get(path)
        assert reply.status == 200
        assert reply.header("RateLimit-Limit") is None
        assert reply.header("RateLimit-Remaining") is None


def test_without_a_limiter_no_answer_carries_the_headers(api: Api) -> None:
    reply = api.get("/api/v1/products")

    assert reply.status == 200
    assert reply.header("RateLimit-Limit") is None


# --- over the limit ------------------------------------------------------------------------


def test_over_the_limit_the_answer_is_429_rate_limited_with_retry_after(limited: Api) -> None:
    spend(limited)

    reply = limited.get("/api/v1/products", headers={"X-Request-ID": "over-1"})

    assert reply.status == 429
    assert reply.code == "rate_limited"
    assert reply.json["status"] == 429
    assert "API key" in reply.json["detail"]
    retry_after = reply.header("Retry-After") or ""
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert reply.header("RateLimit-Remaining") == "0"
    assert reply.header("RateLimit-Limit") == str(LIMIT)
    assert reply.headers_named("X-Request-ID") == ["over-1"]
    assert reply.json["request_id"] == "over-1"


def test_a_refused_write_changes_nothing(limited: Api) -> None:
    spend(limited)

    reply = limited.post("/api/v1/warehouses", {"code": "MAIN", "name": "Main"})

    assert reply.status == 429
    assert limited.storage.store.warehouses == {}


def test_a_refused_head_has_no_body(limited: Api) -> None:
    spend(limited)

    reply = limited.head("/api/v1/products")

    assert reply.status == 429
    assert reply.body == b""
    assert reply.header("Retry-After") is not None


def test_after_retry_after_seconds_the_client_is_let_in_again(limited: Api, clock: Seconds) -> None:
    spend(limited)
    refused = limited.get("/api/v1/products")

    clock.now += int(refused.header("Retry-After") or "0")

    assert limited.get("/api/v1/products").status == 200


# --- whose budget --------------------------------------------------------------------------


def test_each_api_key_has_a_budget_of_its_own(limited: Api) -> None:
    spend(limited, limited.admin)
    assert limited.get("/api/v1/products", key=limited.admin).status == 429

    reply = limited.get("/api/v1/products", key=limited.viewer)

    assert reply.status == 200
    assert reply.header("RateLimit-Remaining") == str(LIMIT - 1)


def test_a_new_key_with_the_same_role_has_its_own_budget_too(limited: Api) -> None:
    _, other = limited.new_key(Role.ADMIN, "admin-bob")
    spend(limited, limited.admin)

    assert limited.get("/api/v1/products", key=other).status == 200


def test_anonymous_requests_spend_the_budget_of_their_address(limited: Api) -> None:
    statuses = [from_address(limited, "192.0.2.1").status for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]
    assert "client address" in from_address(limited, "192.0.2.1").json["detail"]

    reply = from_address(limited, "192.0.2.2")

    assert reply.status == 401
    assert reply.header("RateLimit-Remaining") == str(LIMIT - 1)


def test_a_key_does_not_spend_its_address_budget(limited: Api) -> None:
    for _ in range(LIMIT + 1):
        environ = environ_for(
            "GET", "/api/v1/products", {"Authorization": f"Bearer {limited.admin}"}, b""
        )
        environ["REMOTE_ADDR"] = "192.0.2.1"
        call(limited.app, environ)

    assert from_address(limited, "192.0.2.1").status == 401


# --- the count of refusals -----------------------------------------------------------------


def test_the_middleware_counts_the_requests_it_refused(clock: Seconds) -> None:
    def ok(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    metrics = PrometheusMetrics()
    limited = with_rate_limit(ok, MemoryRateLimiter(Rate(2, 1), clock), metrics)
    statuses = [
        call(limited, environ_for("GET", path, {}, b"")).status
        for path in ["/api/v1/a", "/api/v1/b", "/api/v1/c", "/health", "/api/v1", "/api/v1x"]
    ]

    assert statuses == [200, 200, 429, 200, 429, 200]
    assert metrics.registry.get_sample_value("inventory_rate_limited_total") == 2
