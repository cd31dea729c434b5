"""Every endpoint of the API, once, over real HTTP: its success status and key headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.http_server import Client, Reply, Server, running_server, stocked, unique

pytestmark = pytest.mark.e2e

_LINK_NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("endpoints")) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: Server) -> Client:
    return server.client()


@pytest.fixture(scope="module")
def clerk(server: Server) -> Client:
    return server.client(server.key("clerk", "clerk-endpoints"))


def created(reply: Reply, location_prefix: str) -> Any:
    """The body of a 201 whose ``Location`` names the new resource under ``location_prefix``."""
    assert reply.status == 201, reply.body
    assert reply.header("Content-Type") == "application/json"
    location = reply.header("Location")
    assert location is not None and location.startswith(location_prefix + "/")
    assert reply.header("ETag") is not None
    return reply.json


def next_link(reply: Reply) -> str | None:
    """The target of the ``Link: <...>; rel="next"`` header, if any."""
    header = reply.header("Link")
    if header is None:
        return None
    found = _LINK_NEXT.match(header)
    assert found is not None, header
    return found.group(1)


def test_products_create_list_show_replace_patch_archive(admin: Client) -> None:
    tag = unique("tag").lower()
    skus = [f"{tag}-{n}" for n in range(3)]
    reply = admin.post("/api/v1/products", {"sku": skus[0], "name": "Bolt", "category": "hw",
                                            "reorder_point": 5, "barcode": "4006381333931"})  # fmt: skip
    product = created(reply, "/api/v1/products")
    assert reply.header("Location") == f"/api/v1/products/{skus[0]}"
    assert reply.header("ETag") == '"v1"'
    assert product["sku"] == skus[0] and product["unit"] == "each"
    assert product["average_cost"] == "0.0000" and product["archived"] is False
    assert product["version"] == 1 and product["reorder_point"] == 5
    assert set(product) == {"sku", "name", "description", "category", "unit", "barcode",
                            "reorder_point", "reorder_quantity", "average_cost", "archived",
                            "created_at", "updated_at", "version"}  # fmt: skip
    for sku in skus[1:]:
        admin.ok("POST", "/api/v1/products", {"sku": sku, "name": f"Nut {sku}"})

    first = admin.get(f"/api/v1/products?q={tag}&limit=2")
    assert first.status == 200 and first.header("Content-Type") == "application/json"
    assert [p["sku"] for p in first.json["items"]] == skus[:2]
    link = next_link(first)
    assert link is not None and link.startswith("/api/v1/products?")
    assert f"q={tag}" in link and "limit=2" in link
    assert f"cursor={first.json['next_cursor']}" in link
    second = admin.get(link)
    assert second.status == 200
    assert [p["sku"] for p in second.json["items"]] == skus[2:]
    assert second.json["next_cursor"] is None and second.header("Link") is None

    shown = admin.get(f"/api/v1/products/{skus[0]}")
    assert shown.status == 200 and shown.json == product
    assert shown.header("ETag") == '"v1"'
    unchanged = admin.get(f"/api/v1/products/{skus[0]}", headers={"If-None-Match": '"v1"'})
    assert unchanged.status == 304 and unchanged.body == b""
    assert unchanged.header("ETag") == '"v1"'

    replaced = admin.request("PUT", f"/api/v1/products/{skus[0]}", {"name": "Big bolt"},
                             headers={"If-Match": '"v1"'})  # fmt: skip
    assert replaced.status == 200 and replaced.header("ETag") == '"v2"'
    assert replaced.json["name"] == "Big bolt" and replaced.json["version"] == 2
    assert replaced.json["category"] == "" and replaced.json["reorder_point"] == 0
    assert replaced.json["barcode"] is None  # omitted optional fields return to their defaults

    patched = admin.request(
        "PATCH", f"/api/v1/products/{skus[0]}", raw=b'{"category": "fasteners", "unit": null}',
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"v2"'},
    )  # fmt: skip
    assert patched.status == 200 and patched.header("ETag") == '"v3"'
    assert patched.json["category"] == "fasteners" and patched.json["unit"] == "each"
    assert patched.json["name"] == "Big bolt"

    archived = admin.request("DELETE", f"/api/v1/products/{skus[0]}", headers={"If-Match": '"v3"'})
    assert archived.status == 204 and archived.body == b""
    assert admin.ok("GET", f"/api/v1/products/{skus[0]}")["archived"] is True
    active = admin.ok("GET", f"/api/v1/products?q={tag}")["items"]
    assert [p["sku"] for p in active] == skus[1:]
    everything = admin.ok("GET", f"/api/v1/products?q={tag}&archived=true")["items"]
    assert [p["sku"] for p in everything] == skus[:1]


def test_product_stock_sums_every_warehouse(admin: Client, clerk: Client) -> None:
    sku, first = stocked(admin, 7)
    second = unique("WH")
    admin.ok("POST", "/api/v1/warehouses", {"code": second, "name": "Second"})
    clerk.ok("POST", "/api/v1/movements", {"type": "transfer", "sku": sku, "from_warehouse": first,
                                           "to_warehouse": second, "quantity": 3})  # fmt: skip
    reply = admin.get(f"/api/v1/products/{sku}/stock")
    assert reply.status == 200 and reply.header("ETag") is not None
    assert reply.json == {
        "sku": sku,
        "totals": {"on_hand": 7, "reserved": 0, "available": 7},
        "warehouses": sorted(
            [{"warehouse": first, "on_hand": 4, "reserved": 0, "available": 4},
             {"warehouse": second, "on_hand": 3, "reserved": 0, "available": 3}],
            key=lambda level: level["warehouse"],
        ),
    }  # fmt: skip


def test_warehouses_create_list_show_and_stock(admin: Client, clerk: Client) -> None:
    code = unique("WH")
    reply = admin.post("/api/v1/warehouses", {"code": code, "name": "North"})
    warehouse = created(reply, "/api/v1/warehouses")
    assert reply.header("Location") == f"/api/v1/warehouses/{code}"
    assert set(warehouse) == {"code", "name", "created_at"} and warehouse["name"] == "North"

    listed = admin.get("/api/v1/warehouses?limit=500")
    assert listed.status == 200
    assert warehouse in listed.json["items"]

    shown = admin.get(f"/api/v1/warehouses/{code}")
    assert shown.status == 200 and shown.json == warehouse
    assert shown.header("ETag") == reply.header("ETag")

    skus = sorted(unique("SKU") for _ in range(3))
    for n, sku in enumerate(skus, start=1):
        admin.ok("POST", "/api/v1/products", {"sku": sku, "name": sku})
        clerk.ok("POST", "/api/v1/movements", {"type": "receipt", "sku": sku, "warehouse": code,
                                               "quantity": n, "unit_cost": "1"})  # fmt: skip
    page = admin.get(f"/api/v1/warehouses/{code}/stock?limit=2&sort=sku")
    assert page.status == 200
    assert page.json["items"] == [
        {"sku": skus[0], "on_hand": 1, "reserved": 0, "available": 1},
        {"sku": skus[1], "on_hand": 2, "reserved": 0, "available": 2},
    ]
    link = next_link(page)
    assert link is not None and "limit=2" in link and "sort=sku" in link
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
        {"type": "receipt", "sku": sku, "warehouse": source, "quantity": 10,
         "unit_cost": "2.5", "reference": ref, "note": "first delivery"},
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
        assert movement["created_by"] == "clerk-endpoints" and movement["type"] == body["type"]
        made.append(movement)
    receipt, issue, transfer, adjustment = made
    assert receipt["unit_cost"] == "2.5000" and receipt["quantity"] == 10
    assert receipt["note"] == "first delivery" and receipt["warehouse"] == source
    assert issue["quantity"] == 3 and "unit_cost" not in issue
    assert (transfer["from_warehouse"], transfer["to_warehouse"]) == (source, target)
    assert "warehouse" not in transfer
    assert adjustment["quantity"] == -1 and adjustment["reason"] == "count"

    shown = admin.get(f"/api/v1/movements/{issue['id']}")
    assert shown.status == 200 and shown.json == issue and shown.header("ETag") is not None

    listed = admin.get(f"/api/v1/movements?sku={sku}")
    assert listed.status == 200
    assert [m["id"] for m in listed.json["items"]] == [m["id"] for m in made]
    by_target = admin.ok("GET", f"/api/v1/movements?warehouse={target}")["items"]
    assert [m["id"] for m in by_target] == [transfer["id"]]
    by_ref = admin.ok("GET", f"/api/v1/movements?reference={ref}&type=issue")["items"]
    assert [m["id"] for m in by_ref] == [issue["id"]]
    paged = admin.get(f"/api/v1/movements?sku={sku}&limit=3")
    link = next_link(paged)
    assert link is not None and f"sku={sku}" in link
    assert [m["id"] for m in admin.ok("GET", link)["items"]] == [adjustment["id"]]

    stock = admin.ok("GET", f"/api/v1/products/{sku}/stock")
    assert stock["totals"] == {"on_hand": 6, "reserved": 0, "available": 6}
    assert admin.ok("GET", f"/api/v1/products/{sku}")["average_cost"] == "2.5000"


def test_orders_reserve_list_show_ship_and_cancel(admin: Client, clerk: Client) -> None:
    sku, warehouse = stocked(admin, 10)
    shipped_ref, cancelled_ref = unique("SO"), unique("SO")
    reply = clerk.post("/api/v1/orders", {"reference": shipped_ref, "warehouse": warehouse,
                                          "lines": [{"sku": sku, "quantity": 4}]})  # fmt: skip
    order = created(reply, "/api/v1/orders")
    assert reply.header("Location") == f"/api/v1/orders/{order['id']}"
    assert order["status"] == "reserved" and order["reference"] == shipped_ref
    assert order["lines"] == [{"sku": sku, "quantity": 4}] and order["warehouse"] == warehouse
    other = clerk.ok("POST", "/api/v1/orders", {"reference": cancelled_ref, "warehouse": warehouse,
                                                "lines": [{"sku": sku, "quantity": 5}]})  # fmt: skip
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 10, "reserved": 9, "available": 1}

    listed = admin.get(f"/api/v1/orders?warehouse={warehouse}")
    assert listed.status == 200
    assert [o["id"] for o in listed.json["items"]] == [order["id"], other["id"]]
    one = admin.ok("GET", f"/api/v1/orders?reference={cancelled_ref}")["items"]
    assert [o["id"] for o in one] == [other["id"]]
    shown = admin.get(f"/api/v1/orders/{order['id']}")
    assert shown.status == 200 and shown.json == order and shown.header("ETag") is not None

    shipped = clerk.post(f"/api/v1/orders/{order['id']}/ship")
    assert shipped.status == 200 and shipped.json["status"] == "shipped"
    assert shipped.header("ETag") is not None
    issues = admin.ok("GET", f"/api/v1/movements?reference={shipped_ref}")["items"]
    assert [(m["type"], m["sku"], m["quantity"]) for m in issues] == [("issue", sku, 4)]
    cancelled = clerk.post(f"/api/v1/orders/{other['id']}/cancel")
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
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
    assert len(mine) == 1 and "key" not in mine[0] and mine[0]["revoked_at"] is None
    assert key["key"] not in listed.body.decode()

    viewer = server.client(key["key"])
    # Used first on every worker, so that nothing a worker may have kept could let it through later.
    assert [viewer.get("/api/v1/warehouses").status for _ in range(10)] == [200] * 10
    revoked = admin.request("DELETE", f"/api/v1/api-keys/{key['id']}")
    assert revoked.status == 204 and revoked.body == b""
    refused = [viewer.get("/api/v1/warehouses") for _ in range(10)]
    assert [r.status for r in refused] == [401] * 10
    assert all(r.json["code"] == "unauthorized" for r in refused)
    listed_after = admin.ok("GET", "/api/v1/api-keys")["items"]
    assert next(k for k in listed_after if k["id"] == key["id"])["revoked_at"] is not None


def test_operations_endpoints_need_no_key(server: Server) -> None:
    anonymous = Client(server.port)
    health = anonymous.get("/health")
    assert health.status == 200 and health.json["status"] == "ok"
    ready = anonymous.get("/ready")
    assert ready.status == 200 and ready.json["status"] == "ready"
    assert ready.json["checks"] == {"storage": "ok"}

    spec = anonymous.get("/openapi.json")
    assert spec.status == 200 and spec.header("Content-Type") == "application/json"
    assert spec.header("ETag") is not None
    document = spec.json
    assert document["openapi"].startswith("3.1")
    for path in ("/api/v1/products", "/api/v1/products/{sku}", "/api/v1/products/{sku}/stock",
                 "/api/v1/warehouses/{code}/stock", "/api/v1/movements/{id}",
                 "/api/v1/orders/{id}/ship", "/api/v1/orders/{id}/cancel",
                 "/api/v1/api-keys/{id}", "/health", "/ready"):  # fmt: skip
        assert path in document["paths"], path

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
    made = generated.header("X-Request-ID")
    assert made and made != "bad id with spaces" and re.fullmatch(r"[!-~]{1,128}", made)
    assert admin.get("/api/v1/nowhere").header("X-Request-ID")
    assert admin.request("OPTIONS", "/api/v1/products").header("X-Request-ID")
