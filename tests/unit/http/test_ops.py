"""Operations endpoints: /health, /ready, /openapi.json and /docs (API.md §8)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from inventory.adapters.memory import MemoryStorage
from inventory.application.errors import ReadOnly, Unavailable
from inventory.entrypoints.http.openapi import openapi_document
from inventory.entrypoints.http.problems import CODES
from inventory.entrypoints.http.routes import API_ROUTES, create_app
from tests.unit.http.driver import Api, call, environ_for

ROUTES = sorted({(route.template, route.method.lower()) for route in API_ROUTES})
OPS_PATHS = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]


def test_health_says_ok(api: Api) -> None:
    reply = api.get("/health", key=None)

    assert reply.status == 200
    assert reply.media_type == "application/json"
    assert reply.json["status"] == "ok"
    assert reply.json["version"]


def test_ready_reports_storage_ok_and_is_not_cached(api: Api) -> None:
    reply = api.get("/ready", key=None)

    assert reply.status == 200
    assert reply.json["status"] == "ready"
    assert reply.json["checks"] == {"storage": "ok"}
    assert reply.header("Cache-Control") == "no-store"


def test_the_openapi_document_is_openapi_3_1(api: Api) -> None:
    reply = api.get("/openapi.json", key=None)

    assert reply.status == 200
    assert reply.media_type == "application/json"
    document = reply.json
    assert isinstance(document, dict)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert document["components"]["securitySchemes"]["bearer"] == document["components"][
        "securitySchemes"
    ]["bearer"] | {"type": "http", "scheme": "bearer"}


def test_every_operation_has_its_own_meaningful_id(api: Api) -> None:
    paths = api.ok("GET", "/openapi.json", key=None)["paths"]
    ids = {
        (path, method): operation["operationId"]
        for path, item in paths.items()
        for method, operation in item.items()
    }

    assert len(set(ids.values())) == len(ids)
    assert ids[("/docs", "get")] == "show_docs_page"
    assert ids[("/openapi.json", "get")] == "show_openapi_document"
    assert ids[("/api/v1/products", "post")] == "create_product"
    assert all(re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", found) for found in ids.values()), ids


def test_a_document_with_an_operation_id_twice_is_not_built() -> None:
    clash = {"/again": {"get": {"operationId": "create_product", "responses": {}}}}

    with pytest.raises(ValueError, match="share operationId 'create_product'"):
        openapi_document(API_ROUTES, clash)


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_the_openapi_document_describes_every_route(api: Api, path: str, method: str) -> None:
    operation = api.ok("GET", "/openapi.json")["paths"][path][method]

    route = next(r for r in API_ROUTES if (r.template, r.method.lower()) == (path, method))
    assert str(route.status) in operation["responses"]
    if route.role is None:
        assert "security" not in operation
    else:
        assert operation["security"] == [{"bearer": []}]
        assert {"401", "403"} <= set(operation["responses"])
    documented = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
    assert documented == set(re.findall(r"\{(\w+)\}", path))


def test_the_openapi_document_describes_nothing_that_is_not_served(api: Api) -> None:
    paths = api.ok("GET", "/openapi.json")["paths"]

    documented = {
        (path, method) for path, item in paths.items() for method in item if path not in OPS_PATHS
    }
    assert documented == set(ROUTES)
    assert set(OPS_PATHS) <= set(paths)


def test_every_documented_problem_code_is_one_api_md_names(api: Api) -> None:
    problem = api.ok("GET", "/openapi.json")["components"]["schemas"]["Problem"]

    assert set(problem["properties"]["code"]["enum"]) == {
        "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed",
        "conflict", "insufficient_stock", "invalid_state", "precondition_failed",
        "payload_too_large", "unsupported_media_type", "validation_error",
        "idempotency_key_reused", "rate_limited", "internal_error", "unavailable",
    }  # fmt: skip


def test_the_docs_page_is_html_that_loads_nothing_from_anywhere(api: Api) -> None:
    reply = api.get("/docs", key=None)

    assert reply.status == 200
    assert reply.media_type == "text/html"
    page = reply.body.decode()
    assert page.lower().startswith("<!doctype html>")
    assert "http://" not in page
    assert "https://" not in page
    assert not re.search(r"<script[^>]*\bsrc=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert not re.search(r"<(img|iframe)\b|@import|url\(", page, re.IGNORECASE)
    assert "default-src 'none'" in (reply.header("Content-Security-Policy") or "")


@pytest.mark.parametrize("path", sorted({path for path, _ in ROUTES}))
def test_the_docs_page_mentions_every_path(api: Api, path: str) -> None:
    page = api.get("/docs").body.decode()

    assert f"<code>{path}</code>" in page


def test_the_driver_serves_what_create_app_serves(api: Api) -> None:
    app = create_app(api.services)

    for path in ("/openapi.json", "/health", "/api/v1/products"):
        assert call(app, environ_for("GET", path, {}, b"")).status in (200, 401)
    served = call(app, environ_for("GET", "/openapi.json", {}, b"")).body
    assert served == api.get("/openapi.json").body


class _Behind(MemoryStorage):
    def pending_migrations(self) -> list[str]:
        return ["0003_next.sql"]


class _Gone(MemoryStorage):
    def pending_migrations(self) -> list[str]:
        raise Unavailable("connection refused")


class _ReadOnly(MemoryStorage):
    def check_writable(self) -> None:
        raise ReadOnly("the database file /srv/inventory.db is not writable")


@pytest.mark.parametrize(
    ("storage", "check"),
    [
        (_Behind(), "1 migrations pending"),
        (_Gone(), "unreachable: connection refused"),
        (_ReadOnly(), "not writable: the database file /srv/inventory.db is not writable"),
    ],
    ids=["not-migrated", "unreachable", "read-only"],
)
def test_ready_is_503_naming_the_cause_when_storage_is_not_usable(
    storage: MemoryStorage, check: str
) -> None:
    api = Api(storage=storage)

    reply = api.get("/ready", key=None)

    assert reply.status == 503
    assert reply.json["status"] == "not ready"
    assert reply.json["checks"] == {"storage": check}
    assert api.get("/health", key=None).status == 200


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("ProductView", "/api/v1/products/BOLT"),
        ("WarehouseView", "/api/v1/warehouses/MAIN"),
        ("ProductStockView", "/api/v1/products/BOLT/stock"),
    ],
)
def test_the_documented_fields_are_the_fields_served(stocked: Api, schema: str, path: str) -> None:
    documented = stocked.ok("GET", "/openapi.json")["components"]["schemas"][schema]

    served = stocked.ok("GET", path)

    assert set(documented["properties"]) == set(served)
    assert set(documented.get("required", [])) <= set(served)


def test_every_problem_type_points_at_an_anchor_of_the_docs_page(api: Api) -> None:
    page = api.get("/docs").body.decode()
    problem = api.get("/api/v1/products/NOPE").json

    assert problem["type"] == "/docs#problem-not_found"
    for code in CODES:
        assert f'id="problem-{code}"' in page


@pytest.mark.parametrize(
    "route", [r for r in API_ROUTES if r.paged], ids=lambda r: f"{r.method} {r.template}"
)
def test_every_list_documents_the_sorts_it_accepts_and_accepts_them(api: Api, route: Any) -> None:
    operation = api.ok("GET", "/openapi.json")["paths"][route.template]["get"]
    (sort,) = [p for p in operation["parameters"] if p["name"] == "sort"]
    target = route.template.replace("{code}", "MAIN").replace("{sku}", "BOLT")
    api.given_warehouse("MAIN")
    api.given_product("BOLT")

    accepted = [api.get(f"{target}?sort={value}").status for value in sort["schema"]["enum"]]

    assert set(sort["schema"]["enum"]) >= {route.sorting.default, f"-{route.sorting.default}"}
    assert accepted == [200] * len(sort["schema"]["enum"])
    assert api.get(f"{target}?sort=nope").status == 400


def test_a_created_order_links_to_the_operations_on_it_by_its_id(api: Api) -> None:
    created = api.ok("GET", "/openapi.json")["paths"]["/api/v1/orders"]["post"]["responses"]["201"]

    assert created["links"] == {
        name: {"operationId": name, "parameters": {"id": "$response.body#/id"}}
        for name in ("show_order", "ship_order", "cancel_order")
    }


@pytest.mark.parametrize(
    ("key", "valid"),
    [("k" * 255, True), ("a-b_c.1:2", True), ("k" * 256, False), ("two words", False), ("", False)],
)
def test_the_documented_idempotency_key_is_the_one_accepted(
    stocked: Api, key: str, valid: bool
) -> None:
    operation = stocked.ok("GET", "/openapi.json")["paths"]["/api/v1/warehouses"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]

    documented = re.search(header["schema"]["pattern"], key) is not None
    reply = stocked.post(
        "/api/v1/warehouses",
        {"code": f"W{len(key)}", "name": "Spare"},
        key=stocked.admin,
        headers={"Idempotency-Key": key},
    )

    assert documented is valid
    assert reply.status == (201 if valid else 400)


def test_a_movement_documents_its_type_as_required_as_it_is(api: Api) -> None:
    schemas = api.ok("GET", "/openapi.json")["components"]["schemas"]
    variants = schemas["MovementIn"]["discriminator"]["mapping"]
    api.given_warehouse("MAIN")
    api.given_product("BOLT")

    untyped = api.post(
        "/api/v1/movements",
        {"sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": "1"},
        key=api.clerk,
    )

    assert set(variants) == {"receipt", "issue", "transfer", "adjustment"}
    for ref in variants.values():
        assert "type" in schemas[ref.rsplit("/", 1)[-1]]["required"]
    assert untyped.status == 422
    assert untyped.json["errors"][0]["field"] == "type"


def test_a_patch_may_set_to_null_exactly_the_fields_documented_as_nullable(stocked: Api) -> None:
    schemas = stocked.ok("GET", "/openapi.json")["components"]["schemas"]
    fields = schemas["PatchProduct"]["properties"]

    for field, schema in fields.items():
        nullable = {"type": "null"} in schema.get("anyOf", [])
        reply = stocked.request("PATCH", "/api/v1/products/BOLT", {field: None})

        assert reply.status == (200 if nullable else 422), field
    assert {"type": "null"} not in fields["name"].get("anyOf", [])
