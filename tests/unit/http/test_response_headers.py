"""Headers every answer carries: nosniff, and Cache-Control on the API's answers (API.md §1)."""

from __future__ import annotations

import dataclasses

import pytest

from inventory.adapters.rate_limits import MemoryRateLimiter
from inventory.application.rate_limits import Rate
from inventory.domain.keys import Role
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route
from tests.unit.http.driver import Api, Reply, served_routes


def _crash(call: Call) -> Response:
    raise RuntimeError("boom")


def _every_kind_of_answer(api: Api) -> dict[str, Reply]:
    api.given_stock("BOLT", "MAIN", 10)
    product = api.get("/api/v1/products/BOLT")
    return {
        "product": product,
        "not modified": api.get(
            "/api/v1/products/BOLT", headers={"If-None-Match": product.header("ETag") or ""}
        ),
        "head": api.head("/api/v1/products/BOLT"),
        "list": api.get("/api/v1/products"),
        "created": api.post("/api/v1/warehouses", {"code": "EAST", "name": "East"}),
        "deleted": api.delete("/api/v1/products/BOLT"),
        "api key": api.post("/api/v1/api-keys", {"name": "scanner", "role": "clerk"}),
        "unauthorized": api.get("/api/v1/products", key=None),
        "not found": api.get("/api/v1/products/NOPE"),
        "unknown path": api.get("/api/v1/nowhere"),
        "wrong method": api.request("PUT", "/api/v1/movements"),
        "options": api.request("OPTIONS", "/api/v1/products"),
        "validation": api.post("/api/v1/warehouses", {"code": ""}),
        "too large": api.post("/api/v1/warehouses", raw=b"x" * (1024 * 1024 + 1)),
        "bad json": api.post("/api/v1/warehouses", raw=b"{"),
        "crash": api.get("/api/v1/crash"),
        "health": api.get("/health"),
        "ready": api.get("/ready"),
        "metrics": api.get("/metrics"),
        "docs": api.get("/docs"),
        "openapi": api.get("/openapi.json"),
        "unknown outside the api": api.get("/nowhere"),
    }


@pytest.fixture
def answers() -> dict[str, Reply]:
    api = Api(extra_routes=[Route("GET", "/api/v1/crash", _crash, Role.VIEWER, "Crash", "t")])
    return _every_kind_of_answer(api)


def test_every_answer_tells_browsers_not_to_sniff(answers: dict[str, Reply]) -> None:
    lacking = [
        name for name, reply in answers.items() if reply.header("X-Content-Type-Options") is None
    ]

    assert lacking == []
    assert {r.header("X-Content-Type-Options") for r in answers.values()} == {"nosniff"}
    assert answers["crash"].status == 500
    assert answers["too large"].status == 413


def test_a_rate_limited_answer_tells_browsers_not_to_sniff(api: Api) -> None:
    limiter = MemoryRateLimiter(Rate(1, 60), lambda: 1_000_000.0)
    api.app = wsgi_app(dataclasses.replace(api.services, rate_limiter=limiter), served_routes())
    api.get("/api/v1/products")

    refused = api.get("/api/v1/products")

    assert refused.status == 429
    assert refused.header("X-Content-Type-Options") == "nosniff"
    assert refused.header("Cache-Control") == "no-store"


@pytest.mark.parametrize("name", ["product", "not modified", "head"])
def test_a_read_with_an_etag_may_be_kept_but_must_be_revalidated(
    answers: dict[str, Reply], name: str
) -> None:
    assert answers[name].header("ETag") is not None
    assert answers[name].headers_named("Cache-Control") == ["private, no-cache"]


@pytest.mark.parametrize(
    "name",
    [
        "list",
        "created",
        "deleted",
        "api key",
        "unauthorized",
        "not found",
        "unknown path",
        "wrong method",
        "options",
        "validation",
        "too large",
        "bad json",
        "crash",
    ],
)
def test_every_other_api_answer_is_never_stored(answers: dict[str, Reply], name: str) -> None:
    assert answers[name].headers_named("Cache-Control") == ["no-store"]


def test_an_answer_that_shows_a_secret_is_never_stored_even_with_an_etag(api: Api) -> None:
    created = api.post("/api/v1/api-keys", {"name": "scanner", "role": "clerk"})

    assert "key" in created.json
    assert created.headers_named("Cache-Control") == ["no-store"]
