"""Every endpoint of the API, once, over real HTTP: its success status and key headers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.e2e.http_server import (
    Client,
    Reply,
    Server,
    order,
    receipt,
    stocked,
    unique,
)

pytestmark = pytest.mark.e2e

_LINK_NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture(scope="module")
def clerk(server: Server) -> Client:
    return server.client(server.key("clerk", "clerk-endpoints"))


def created(reply: Reply, location_prefix: str) -> Any:
    """The body of a 201 whose ``Location`` names the new resource under ``location_prefix``."""
    assert reply.status == 201, reply.body
    assert reply.header("Content-Type") == "application/json"
    location = reply.header("Location")
    assert location is not None
    assert location.startswith(location_prefix + "/")
    assert reply.header("ETag") is not None
    return reply.json


def v1(document: dict[str, Any], **added: Any) -> dict[str, Any]:
    """``document`` as a v1 client reads it: the fields API.md §11-§12 added to it
    (products, movements, order lines) must hold ``added``'s values, and are set
    aside, so what is left must be exactly what v1 answered."""
    assert {name: document.get(name) for name in added} == added
    return {name: value for name, value in document.items() if name not in added}


def next_link(reply: Reply) -> str | None:
    """The target of the ``Link: <...>; rel="next"`` header, if any."""
    header = reply.header("Link")
    if header is None:
        return None
    found = _LINK_NEXT.match(header)
    assert found is not None, header
    return found.group(1)


def on_every_worker(server: Server, client: Client, path: str, at_least: int = 10) -> list[Reply]:
    """GETs of ``path``, each on a fresh connection, until ``at_least`` were answered and by
    both workers (at most 60)."""
    replies: list[Reply] = []
    workers: set[str | None] = set()
    while len(replies) < 60 and (len(replies) < at_least or len(workers - {None}) < 2):
        reply = client.get(path)
        replies.append(reply)
        workers.add(server.worker_of(reply.header("X-Request-ID") or "?"))
    assert len(workers - {None}) == 2, workers
    return replies


def test_products_create_list_show_replace_patch_archive(admin: Client) -> None:
    tag = unique("tag").lower()
    skus = [f"{tag}-{n}" for n in range(3)]
    new = {"sku": skus[0], "name": "Bolt", "category": "hw", "reorder_point": 5, "barcode": "40"}
    reply = admin.post("/api/v1/products", new)
    product = created(reply, "/api/v1/products")
    assert (reply.header("Location"), reply.header("ETag")) == (
        f"/api/v1/products/{skus[0]}",
        '"v1"',
    )
    stamp = product["created_at"]
    assert v1(product, tracking="none", shelf_life_days=None, packs=[]) == {
                       **new, "description": "", "unit": "each", "reorder_quantity": 0,
                       "average_cost": "0.0000", "archived": False, "version": 1,
                       "created_at": stamp, "updated_at": stamp}  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", product["created_at"])
    for sku in skus[1:]:
        admin.ok("POST", "/api/v1/products", {"sku": sku, "name": f"Nut {sku}"})

    first = admin.get(f"/api/v1/products?q={tag}&limit=2")
    assert (first.status, first.header("Content-Type")) == (200, "application/json")
    assert [p["sku"] for p in first.json["items"]] == skus[:2]
    link = next_link(first)
    assert link == f"/api/v1/products?q={tag}&limit=2&cursor={first.json['next_cursor']}"
    second = admin.get(link)
    assert [p["sku"] for p in second.json["items"]] == skus[2:]
    assert (second.status, second.json["next_cursor"], second.header("Link")) == (200, None, None)

    shown = admin.get(f"/api/v1/products/{skus[0]}")
    assert (shown.status, shown.json, shown.header("ETag")) == (200, product, '"v1"')
    unchanged = admin.get(f"/api/v1/products/{skus[0]}", headers={"If-None-Match": '"v1"'})
    assert (unchanged.status, unchanged.body, unchanged.header("ETag")) == (304, b"", '"v1"')

    replaced = admin.request(
        "PUT", f"/api/v1/products/{skus[0]}", {"name": "Big bolt"}, headers={"If-Match": '"v1"'}
    )
    assert (replaced.status, replaced.header("ETag")) == (200, '"v2"')
    got = replaced.json
    # Omitted optional fields return to their defaults.
    assert (got["name"], got["version"], got["category"]) == ("Big bolt", 2, "")
    assert (got["reorder_point"], got["barcode"]) == (0, None)

    patched = admin.request(
        "PATCH",
        f"/api/v1/products/{skus[0]}",
        raw=b'{"category": "fasteners", "unit": null}',
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"v2"'},
    )
    assert (patched.status, patched.header("ETag")) == (200, '"v3"')
    got = patched.json
    assert (got["category"], got["unit"], got["name"]) == ("fasteners", "each", "Big bolt")

    archived = admin.request("DELETE", f"/api/v1/products/{skus[0]}", headers={"If-Match": '"v3"'})
    assert (archived.status, archived.body) == (204, b"")
    assert admin.ok("GET", f"/api/v1/products/{skus[0]}")["archived"] is True
    active = admin.ok("GET", f"/api/v1/products?q={tag}")["items"]
    assert [p["sku"] for p in active] == skus[1:]
    everything = admin.ok("GET", f"/api/v1/products?q={tag}&archived=true")["items"]
    assert [p["sku"] for p in everything] == skus[:1]


def test_product_stock_sums_every_warehouse(admin: Client, clerk: Client) -> None:
    sku, first = stocked(admin, 7)
    second = unique("WH")
    admin.ok("POST", "/api/v1/warehouses", {"code": second, "name": "Second"})
    move = {"type": "transfer", "sku": sku, "from_warehouse": first, "to_warehouse": second,
            "quantity": 3}  # fmt: skip
    clerk.ok("POST", "/api/v1/movements", move)
    reply = admin.get(f"/api/v1/products/{sku}/stock")
    assert reply.status == 200
    assert reply.header("ETag")
    held = sorted({first: 4, second: 3}.items())  # listed by warehouse code
    assert reply.json == {
        "sku": sku,
        "totals": {"on_hand": 7, "reserved": 0, "available": 7},
        "warehouses": [
            {"warehouse": code, "on_hand": n, "reserved": 0, "available": n} for code, n in held
        ],
    }


def test_warehouses_create_list_show_and_stock(admin: Client, clerk: Client) -> None:
    code = unique("WH")
    reply = admin.post("/api/v1/warehouses", {"code": code, "name": "North"})
    warehouse = created(reply, "/api/v1/warehouses")
    assert reply.header("Location") == f"/api/v1/warehouses/{code}"
    assert warehouse == {"code": code, "name": "North", "created_at": warehouse["created_at"]}

    listed = admin.get("/api/v1/warehouses?limit=500")
    assert listed.status == 200
    assert warehouse in listed.json["items"]

    shown = admin.get(f"/api/v1/warehouses/{code}")
    assert (shown.status, shown.json, shown.header("ETag")) == (
        200,
        warehouse,
        reply.header("ETag"),
    )

    skus = sorted(unique("SKU") for _ in range(3))
    for n, sku in enumerate(skus, start=1):
        admin.ok("POST", "/api/v1/products", {"sku": sku, "name": sku})
        clerk.ok("POST", "/api/v1/movements", receipt(sku, code, n))
    page = admin.get(f"/api/v1/warehouses/{code}/stock?limit=2&sort=sku")
    assert page.status == 200
    assert page.json["items"] == [
        {"sku": skus[0], "on_hand": 1, "reserved": 0, "available": 1},
        {"sku": skus[1], "on_hand": 2, "reserved": 0, "available": 2},
    ]
    link = next_link(page)
    assert (
        link
        == f"/api/v1/warehouses/{code}/stock?limit=2&sort=sku&cursor={page.json['next_cursor']}"
    )
    rest = admin.get(link)
    assert rest.json == {
        "items": [{"sku": skus[2], "on_hand": 3, "reserved": 0, "available": 3}],
        "next_cursor": None,
    }


def test_movements_of_every_type_then_list_and_show(admin: Client, clerk: Client) -> None:
    sku, source = stocked(admin, 0)
    target = unique("WH")
    admin.ok("POST", "/api/v1/warehouses", {"code": target, "name": "Target"})
    ref = unique("REF")
    bodies: list[dict[str, Any]] = [
        receipt(sku, source, 10, "2.5", reference=ref, note="first delivery"),
        {"type": "issue", "sku": sku, "warehouse": source, "quantity": 3, "reference": ref},
        {"type": "transfer", "sku": sku, "from_warehouse": source, "to_warehouse": target,
         "quantity": 2, "reference": ref},
        {"type": "adjustment", "sku": sku, "warehouse": source, "counted_quantity": 4,
         "reason": "count"},
    ]  # fmt: skip
    made = []
    for body in bodies:
        reply = clerk.post("/api/v1/movements", body)
        movement = created(reply, "/api/v1/movements")
        assert reply.header("Location") == f"/api/v1/movements/{movement['id']}"
        assert (movement["created_by"], movement["type"]) == ("clerk-endpoints", body["type"])
        made.append(movement)
    received, issued, transfer, adjustment = made
    common = {"sku": sku, "created_by": "clerk-endpoints"}
    default = [{"location": "DEFAULT", "to_location": None, "lot": None, "quantity": 10}]
    assert v1(received, location="DEFAULT", lot=None, allocations=default) == {
                        **common, "id": received["id"], "type": "receipt", "warehouse": source,
                        "quantity": 10, "unit_cost": "2.5000", "reference": ref,
                        "note": "first delivery", "created_at": received["created_at"]}  # fmt: skip
    assert (issued["quantity"], "unit_cost" in issued, issued["note"]) == (3, False, None)
    assert (transfer["from_warehouse"], transfer["to_warehouse"]) == (source, target)
    assert "warehouse" not in transfer
    assert (adjustment["quantity"], adjustment["reason"]) == (-1, "count")

    shown = admin.get(f"/api/v1/movements/{issued['id']}")
    assert (shown.status, shown.json) == (200, issued)
    assert shown.header("ETag")

    listed = admin.get(f"/api/v1/movements?sku={sku}")
    assert listed.status == 200
    assert [m["id"] for m in listed.json["items"]] == [m["id"] for m in made]
    by_target = admin.ok("GET", f"/api/v1/movements?warehouse={target}")["items"]
    assert [m["id"] for m in by_target] == [transfer["id"]]
    by_ref = admin.ok("GET", f"/api/v1/movements?reference={ref}&type=issue")["items"]
    assert [m["id"] for m in by_ref] == [issued["id"]]
    paged = admin.get(f"/api/v1/movements?sku={sku}&limit=3")
    link = next_link(paged)
    assert link == f"/api/v1/movements?sku={sku}&limit=3&cursor={paged.json['next_cursor']}"
    assert [m["id"] for m in admin.ok("GET", link)["items"]] == [adjustment["id"]]

    stock = admin.ok("GET", f"/api/v1/products/{sku}/stock")
    assert stock["totals"] == {"on_hand": 6, "reserved": 0, "available": 6}
    assert admin.ok("GET", f"/api/v1/products/{sku}")["average_cost"] == "2.5000"


def test_orders_reserve_list_show_ship_and_cancel(admin: Client, clerk: Client) -> None:
    sku, warehouse = stocked(admin, 10)
    shipped_ref, cancelled_ref = unique("SO"), unique("SO")
    reply = clerk.post("/api/v1/orders", order(warehouse, {sku: 4}, shipped_ref))
    reserved = created(reply, "/api/v1/orders")
    assert reply.header("Location") == f"/api/v1/orders/{reserved['id']}"
    allocated = [{"location": "DEFAULT", "lot": None, "quantity": 4}]
    reserved_v1 = {**reserved, "lines": [v1(line, location=None, lot=None, allocations=allocated)
                                         for line in reserved["lines"]]}  # fmt: skip
    assert reserved_v1 == {"id": reserved["id"], "reference": shipped_ref, "warehouse": warehouse,
                        "status": "reserved", "lines": [{"sku": sku, "quantity": 4}],
                        "expires_at": None, "created_at": reserved["created_at"],
                        "updated_at": reserved["created_at"]}  # fmt: skip
    other = clerk.ok("POST", "/api/v1/orders", order(warehouse, {sku: 5}, cancelled_ref))
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 10, "reserved": 9, "available": 1}

    listed = admin.get(f"/api/v1/orders?warehouse={warehouse}")
    assert listed.status == 200
    assert [o["id"] for o in listed.json["items"]] == [reserved["id"], other["id"]]
    one = admin.ok("GET", f"/api/v1/orders?reference={cancelled_ref}")["items"]
    assert [o["id"] for o in one] == [other["id"]]
    shown = admin.get(f"/api/v1/orders/{reserved['id']}")
    assert (shown.status, shown.json) == (200, reserved)
    assert shown.header("ETag")

    shipped = clerk.post(f"/api/v1/orders/{reserved['id']}/ship")
    assert (shipped.status, shipped.json["status"]) == (200, "shipped")
    assert shipped.header("ETag")
    issues = admin.ok("GET", f"/api/v1/movements?reference={shipped_ref}")["items"]
    assert [(m["type"], m["sku"], m["quantity"]) for m in issues] == [("issue", sku, 4)]
    cancelled = clerk.post(f"/api/v1/orders/{other['id']}/cancel")
    assert (cancelled.status, cancelled.json["status"]) == (200, "cancelled")
    assert admin.ok("GET", f"/api/v1/orders?warehouse={warehouse}&status=reserved")["items"] == []

    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 6, "reserved": 0, "available": 6}


def test_api_keys_create_list_revoke_and_the_key_is_refused_at_once(
    server: Server, admin: Client
) -> None:
    name = unique("robot")
    reply = admin.post("/api/v1/api-keys", {"name": name, "role": "viewer"})
    assert reply.status == 201, reply.body
    key = reply.json
    assert set(key) == {"id", "name", "role", "key", "created_at"}
    assert (key["name"], key["role"]) == (name, "viewer")
    assert reply.header("Cache-Control") == "no-store"

    listed = admin.get("/api/v1/api-keys")
    assert listed.status == 200
    mine = [k for k in listed.json["items"] if k["id"] == key["id"]]
    assert mine == [{"id": key["id"], "name": name, "role": "viewer",
                     "created_at": key["created_at"], "revoked_at": None}]  # fmt: skip
    assert key["key"] not in listed.body.decode()

    viewer = server.client(key["key"])
    # Used on every worker first, so that nothing a worker may have kept could let it through.
    assert {r.status for r in on_every_worker(server, viewer, "/api/v1/warehouses")} == {200}
    revoked = admin.request("DELETE", f"/api/v1/api-keys/{key['id']}")
    assert (revoked.status, revoked.body) == (204, b"")
    refused = on_every_worker(server, viewer, "/api/v1/warehouses")
    assert [(r.status, r.json["code"]) for r in refused] == [(401, "unauthorized")] * len(refused)
    listed_after = admin.ok("GET", "/api/v1/api-keys")["items"]
    assert next(k for k in listed_after if k["id"] == key["id"])["revoked_at"] is not None


def test_a_key_revoked_from_the_cli_is_refused_at_once_by_every_worker(server: Server) -> None:
    name = unique("cli-key")
    viewer = server.client(server.key("viewer", name))
    assert {r.status for r in on_every_worker(server, viewer, "/api/v1/products")} == {200}
    listed = server.cli.json("keys", "list")["items"]
    server.cli.ok("keys", "revoke", next(k["id"] for k in listed if k["name"] == name))
    refused = on_every_worker(server, viewer, "/api/v1/products")
    assert {r.status for r in refused} == {401}


def test_operations_endpoints_need_no_key(server: Server) -> None:
    anonymous = Client(server.port)
    health = anonymous.get("/health")
    assert (health.status, health.json["status"]) == (200, "ok")
    ready = anonymous.get("/ready")
    assert (ready.status, ready.json["status"], ready.json["checks"]) == (
        200, "ready", {"storage": "ok", "jobs": "ok"})  # fmt: skip

    spec = anonymous.get("/openapi.json")
    assert (spec.status, spec.header("Content-Type")) == (200, "application/json")
    assert spec.header("ETag")
    document = spec.json
    assert document["openapi"].startswith("3.1")
    assert [str(error) for error in OpenAPIV31SpecValidator(document).iter_errors()] == []
    assert set(document["paths"]) >= {
        "/api/v1/products", "/api/v1/products/{sku}", "/api/v1/products/{sku}/stock",
        "/api/v1/warehouses", "/api/v1/warehouses/{code}", "/api/v1/warehouses/{code}/stock",
        "/api/v1/movements", "/api/v1/movements/{id}", "/api/v1/orders", "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/ship", "/api/v1/orders/{id}/cancel", "/api/v1/api-keys",
        "/api/v1/api-keys/{id}", "/health", "/ready", "/openapi.json", "/docs",
    }  # fmt: skip

    docs = anonymous.get("/docs")
    assert docs.status == 200
    assert (docs.header("Content-Type") or "").startswith("text/html")
    page = docs.body.decode()
    assert "/api/v1/products" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.IGNORECASE)


def test_head_answers_like_get_without_a_body(admin: Client) -> None:
    sku, _ = stocked(admin, 1)
    for path in (f"/api/v1/products/{sku}", "/api/v1/products?limit=1", "/health", "/docs"):
        got = admin.get(path)
        head = admin.request("HEAD", path)
        assert (head.status, head.body) == (got.status, b""), path
        assert head.header("Content-Length") == str(len(got.body)), path
        assert head.header("Content-Type") == got.header("Content-Type"), path
        assert head.header("ETag") == got.header("ETag"), path
        assert head.header("Link") == got.header("Link"), path


def test_options_answers_204_with_allow(admin: Client, server: Server) -> None:
    expected = {
        "/api/v1/products": "GET, HEAD, OPTIONS, POST",
        "/api/v1/products/ANY": "DELETE, GET, HEAD, OPTIONS, PATCH, PUT",
        "/api/v1/movements/abc123": "GET, HEAD, OPTIONS",
        "/api/v1/orders/abc123/ship": "OPTIONS, POST",
        "/api/v1/api-keys/abc123": "DELETE, OPTIONS",
        "/health": "GET, HEAD, OPTIONS",
    }
    for path, allow in expected.items():
        reply = Client(server.port).request("OPTIONS", path)
        assert reply.status == 204, path
        assert reply.header("Allow") == allow, path
        assert reply.body == b""


def test_every_answer_carries_a_request_id(admin: Client) -> None:
    echoed = admin.get("/health", headers={"X-Request-ID": "trace-42"})
    assert echoed.header("X-Request-ID") == "trace-42"
    generated = admin.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    made = generated.header("X-Request-ID") or ""
    assert re.fullmatch(r"[!-~]{1,128}", made)
    assert admin.get("/api/v1/nowhere").header("X-Request-ID")
    assert admin.request("OPTIONS", "/api/v1/products").header("X-Request-ID")
