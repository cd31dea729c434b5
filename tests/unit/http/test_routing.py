"""Routing: unknown paths, wrong methods, OPTIONS, HEAD, and path parameters (API.md §1)."""

from __future__ import annotations

import pytest

from tests.unit.http.driver import Api


@pytest.mark.parametrize(
    "path", ["/nope", "/api/v1", "/api/v1/products/BOLT/stock/more", "/api/v2/products", "/"]
)
def test_an_unknown_path_is_not_found(api: Api, path: str) -> None:
    reply = api.get(path)

    assert reply.status == 404
    assert reply.code == "not_found"
    assert reply.json["status"] == 404


def test_an_unknown_path_is_not_found_before_any_key_is_asked_for(api: Api) -> None:
    assert api.get("/api/v1/nothing-here", key=None).code == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/products", "GET, HEAD, OPTIONS, POST"),
        ("POST", "/api/v1/products/BOLT", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
        ("PUT", "/api/v1/warehouses/MAIN/stock", "GET, HEAD, OPTIONS"),
        ("GET", "/api/v1/orders/abc123/ship", "OPTIONS, POST"),
        ("HEAD", "/api/v1/orders/abc123/cancel", "OPTIONS, POST"),
        ("PATCH", "/api/v1/api-keys", "GET, HEAD, OPTIONS, POST"),
        ("GET", "/api/v1/api-keys/abc123", "DELETE, OPTIONS"),
        ("POST", "/health", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_wrong_method_is_refused_with_the_methods_the_path_allows(
    api: Api, method: str, path: str, allow: str
) -> None:
    reply = api.request(method, path)

    assert reply.status == 405
    assert reply.header("Allow") == allow
    if method != "HEAD":
        assert reply.code == "method_not_allowed"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_movement_can_never_be_changed_or_deleted(stocked: Api, method: str) -> None:
    movement_id = stocked.ok("GET", "/api/v1/movements")["items"][0]["id"]

    reply = stocked.request(method, f"/api/v1/movements/{movement_id}", {"quantity": 1})

    assert reply.status == 405
    assert reply.code == "method_not_allowed"
    assert reply.header("Allow") == "GET, HEAD, OPTIONS"
    assert stocked.ok("GET", f"/api/v1/movements/{movement_id}")["quantity"] == 10


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/products", "GET, HEAD, OPTIONS, POST"),
        ("/api/v1/products/BOLT", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
        ("/api/v1/movements/abc", "GET, HEAD, OPTIONS"),
        ("/api/v1/orders/abc/ship", "OPTIONS, POST"),
        ("/ready", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_answers_no_content_with_allow_and_needs_no_key(
    api: Api, path: str, allow: str
) -> None:
    reply = api.request("OPTIONS", path, key=None)

    assert reply.status == 204
    assert reply.header("Allow") == allow
    assert reply.body == b""


def test_options_on_an_unknown_path_is_not_found(api: Api) -> None:
    assert api.request("OPTIONS", "/api/v1/nowhere").code == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/BOLT",
        "/api/v1/products/BOLT/stock",
        "/api/v1/products?limit=1",
        "/api/v1/warehouses/MAIN",
        "/api/v1/movements",
        "/health",
        "/openapi.json",
        "/docs",
    ],
)
def test_head_sends_the_headers_of_get_and_no_body(stocked: Api, path: str) -> None:
    got = stocked.get(path)
    head = stocked.head(path)

    assert got.status == head.status == 200
    assert head.body == b""
    assert head.header("Content-Length") == got.header("Content-Length") == str(len(got.body))
    for name in ("Content-Type", "ETag", "Link"):
        assert head.header(name) == got.header(name)


def test_head_of_a_refusal_has_no_body_either(api: Api) -> None:
    reply = api.head("/api/v1/products/NOPE")

    assert reply.status == 404
    assert reply.body == b""
    assert reply.header("Content-Type") == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/a%20b",
        "/api/v1/products/50%25",
        "/api/v1/products/-leading-dash",
        "/api/v1/products/.hidden",
        "/api/v1/products/caf%C3%A9",
        "/api/v1/products/" + "A" * 65,
        "/api/v1/warehouses/a%20b/stock",
        "/api/v1/movements/not-an-id",
        "/api/v1/orders/with_underscore",
    ],
)
def test_a_path_parameter_that_cannot_name_anything_is_not_found(api: Api, path: str) -> None:
    reply = api.get(path)

    assert reply.status == 404
    assert reply.code == "not_found"


def test_a_sku_of_the_longest_allowed_length_is_looked_up(api: Api) -> None:
    sku = "A" * 64
    api.given_product(sku)

    assert api.ok("GET", f"/api/v1/products/{sku}")["sku"] == sku
