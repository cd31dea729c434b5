"""Every error ``code`` of the API, produced over real HTTP, as an RFC 9457 problem document."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.http_server import (
    Client,
    Reply,
    Server,
    hold_write_lock,
    issue,
    order,
    receipt,
    running_server,
    stocked,
    unique,
)

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
AS_JSON = {"Content-Type": "application/json"}


def problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """The problem document of ``reply``, checked to be a ``status`` with ``code``."""
    assert reply.status == status, f"{reply.status} {reply.body!r}"
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.header("X-Request-ID")
    body: dict[str, Any] = reply.json
    assert body["status"] == status, body
    assert body["code"] == code, body
    assert body["title"]
    assert body["type"]
    assert isinstance(body["detail"], str)
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def test_bad_request(admin: Client) -> None:
    malformed = admin.post("/api/v1/warehouses", raw=b'{"code": "X", "name": ', headers=AS_JSON)
    assert "not valid JSON" in problem(malformed, 400, "bad_request")["detail"]
    not_utf8 = admin.post("/api/v1/warehouses", raw=b'{"code": "\xff"}', headers=AS_JSON)
    problem(not_utf8, 400, "bad_request")
    for limit in ("0", "501", "abc", "-1", ""):
        problem(admin.get(f"/api/v1/products?limit={limit}"), 400, "bad_request")
    for cursor in ("not!base64", "abc", "W10"):  # W10 is base64 of "[]"
        problem(admin.get(f"/api/v1/movements?cursor={cursor}"), 400, "bad_request")
    admin.ok("POST", "/api/v1/products", {"sku": unique("A"), "name": "a"})
    admin.ok("POST", "/api/v1/products", {"sku": unique("B"), "name": "b"})
    cursor = admin.ok("GET", "/api/v1/products?limit=1&sort=sku")["next_cursor"]
    assert cursor is not None
    problem(admin.get(f"/api/v1/products?cursor={cursor}&sort=-sku"), 400, "bad_request")
    problem(admin.get("/api/v1/products?sort=price"), 400, "bad_request")
    problem(admin.get("/api/v1/products?colour=red"), 400, "bad_request")
    problem(admin.get("/api/v1/products?limit=1&limit=2"), 400, "bad_request")

    sku, warehouse = stocked(admin, 0)
    body = receipt(sku, warehouse, 1)
    too_long = admin.post("/api/v1/movements", body, headers={"Idempotency-Key": "k" * 256})
    assert "Idempotency-Key" in problem(too_long, 400, "bad_request")["detail"]
    longest = admin.post("/api/v1/movements", body, headers={"Idempotency-Key": "k" * 255})
    assert longest.status == 201
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals["on_hand"] == 1  # the refused request changed nothing


def test_unauthorized(server: Server, admin: Client) -> None:
    anonymous = Client(server.port)
    revoked = admin.ok("POST", "/api/v1/api-keys", {"name": unique("gone"), "role": "admin"})
    admin.ok("DELETE", f"/api/v1/api-keys/{revoked['id']}")
    attempts = [
        anonymous.get("/api/v1/products"),
        anonymous.get("/api/v1/products", headers={"Authorization": "Basic dXNlcjpwdw=="}),
        anonymous.get("/api/v1/products", headers={"Authorization": "Bearer"}),
        anonymous.get("/api/v1/products", key="not-a-key-anyone-made"),
        anonymous.get("/api/v1/products", key=revoked["key"]),
        anonymous.post("/api/v1/warehouses", {"code": unique("W"), "name": "w"}),
    ]
    for reply in attempts:
        problem(reply, 401, "unauthorized")
        assert (reply.header("WWW-Authenticate") or "").startswith("Bearer")


def test_forbidden(server: Server) -> None:
    viewer = server.client(server.key("viewer", "viewer-errors"))
    clerk = server.client(server.key("clerk", "clerk-errors"))
    attempts = [
        viewer.post("/api/v1/warehouses", {"code": unique("W"), "name": "w"}),
        viewer.post("/api/v1/movements", issue("X", "Y", 1)),
        viewer.get("/api/v1/api-keys"),
        clerk.post("/api/v1/products", {"sku": unique("P"), "name": "p"}),
        clerk.request("DELETE", "/api/v1/api-keys/abc"),
    ]
    for reply in attempts:
        problem(reply, 403, "forbidden")
    assert viewer.get("/api/v1/products").status == 200


def test_not_found(admin: Client) -> None:
    unknown = ["/api/v1/nowhere", "/nowhere", "/api/v1/products/NO-SUCH-SKU",
               "/api/v1/products/NO-SUCH-SKU/stock", "/api/v1/warehouses/NO-SUCH",
               "/api/v1/movements/abc123", "/api/v1/orders/abc123",
               "/api/v1/products/-bad"]  # fmt: skip
    for path in unknown:
        problem(admin.get(path), 404, "not_found")
    problem(admin.request("DELETE", "/api/v1/api-keys/abc123"), 404, "not_found")
    problem(admin.post("/api/v1/orders/abc123/ship"), 404, "not_found")
    head = admin.request("HEAD", "/api/v1/nowhere")
    assert (head.status, head.body) == (404, b"")

    sku, warehouse = stocked(admin, 5)
    missing_sku, missing_wh = unique("GHOST"), unique("NOWH")
    bodies: list[tuple[str, dict[str, Any], str]] = [
        ("/api/v1/movements", issue(missing_sku, warehouse, 1), missing_sku),
        ("/api/v1/movements", receipt(sku, missing_wh, 1), missing_wh),
        ("/api/v1/orders", order(warehouse, {sku: 1, missing_sku: 1}), missing_sku),
        ("/api/v1/orders", order(missing_wh, {sku: 1}), missing_wh),
    ]
    for path, body, named in bodies:
        assert named in problem(admin.post(path, body), 404, "not_found")["detail"]
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 5, "reserved": 0, "available": 5}


def test_method_not_allowed(admin: Client) -> None:
    sku, warehouse = stocked(admin, 1)
    movement = admin.ok("GET", f"/api/v1/movements?sku={sku}")["items"][0]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        reply = admin.request(method, f"/api/v1/movements/{movement['id']}", {"quantity": 9})
        problem(reply, 405, "method_not_allowed")
        assert reply.header("Allow") == "GET, HEAD, OPTIONS"
    for method, path, allow in [
        ("DELETE", "/api/v1/orders", "GET, HEAD, OPTIONS, POST"),
        ("GET", "/api/v1/orders/abc123/ship", "OPTIONS, POST"),
        ("PUT", "/api/v1/warehouses/" + warehouse, "GET, HEAD, OPTIONS"),
        ("POST", "/health", "GET, HEAD, OPTIONS"),
    ]:
        reply = admin.request(method, path)
        problem(reply, 405, "method_not_allowed")
        assert reply.header("Allow") == allow
    assert admin.ok("GET", f"/api/v1/movements/{movement['id']}") == movement


def test_conflict(admin: Client) -> None:
    sku, warehouse = stocked(admin, 3)
    duplicate = admin.post("/api/v1/products", {"sku": sku, "name": "again"})
    assert sku in problem(duplicate, 409, "conflict")["detail"]
    assert admin.ok("GET", f"/api/v1/products/{sku}")["name"] == f"Product {sku}"
    problem(admin.post("/api/v1/warehouses", {"code": warehouse, "name": "again"}), 409, "conflict")
    problem(admin.request("DELETE", f"/api/v1/products/{sku}"), 409, "conflict")  # holds stock

    reserve = order(warehouse, {sku: 1})
    admin.ok("POST", "/api/v1/orders", reserve)
    problem(admin.post("/api/v1/orders", reserve), 409, "conflict")

    empty, _ = stocked(admin, 0)
    admin.ok("DELETE", f"/api/v1/products/{empty}")
    problem(admin.post("/api/v1/movements", receipt(empty, warehouse, 1)), 409, "conflict")
    problem(admin.post("/api/v1/orders", order(warehouse, {empty: 1})), 409, "conflict")
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 3, "reserved": 1, "available": 2}


def test_insufficient_stock(admin: Client) -> None:
    plenty, warehouse = stocked(admin, 10)
    scarce = unique("SKU")
    admin.ok("POST", "/api/v1/products", {"sku": scarce, "name": "scarce"})
    admin.ok("POST", "/api/v1/movements", receipt(scarce, warehouse, 2))
    short = order(warehouse, {plenty: 10, scarce: 3})
    body = problem(admin.post("/api/v1/orders", short), 409, "insufficient_stock")
    assert fields(body) == ["lines.1.quantity"]
    for sku, on_hand in ((plenty, 10), (scarce, 2)):
        totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
        assert totals == {"on_hand": on_hand, "reserved": 0, "available": on_hand}
    assert admin.ok("GET", f"/api/v1/orders?reference={short['reference']}")["items"] == []

    problem(admin.post("/api/v1/movements", issue(scarce, warehouse, 3)), 409, "insufficient_stock")
    other = unique("WH")
    admin.ok("POST", "/api/v1/warehouses", {"code": other, "name": "other"})
    transfer = {"type": "transfer", "sku": scarce, "from_warehouse": warehouse,
                "to_warehouse": other, "quantity": 3}  # fmt: skip
    problem(admin.post("/api/v1/movements", transfer), 409, "insufficient_stock")
    admin.ok("POST", "/api/v1/orders", order(warehouse, {scarce: 2}))
    adjust = {"type": "adjustment", "sku": scarce, "warehouse": warehouse,
              "counted_quantity": 1, "reason": "loss"}  # fmt: skip
    problem(admin.post("/api/v1/movements", adjust), 409, "insufficient_stock")
    assert len(admin.ok("GET", f"/api/v1/movements?sku={scarce}")["items"]) == 1


def test_invalid_state(admin: Client) -> None:
    sku, warehouse = stocked(admin, 5)
    path = "/api/v1/orders/" + admin.ok("POST", "/api/v1/orders", order(warehouse, {sku: 2}))["id"]
    admin.ok("POST", f"{path}/cancel")
    problem(admin.post(f"{path}/ship"), 409, "invalid_state")
    problem(admin.post(f"{path}/cancel"), 409, "invalid_state")
    assert admin.ok("GET", path)["status"] == "cancelled"
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 5, "reserved": 0, "available": 5}
    assert admin.ok("GET", f"/api/v1/movements?sku={sku}&type=issue")["items"] == []


def test_precondition_failed(admin: Client) -> None:
    sku, _ = stocked(admin, 0)
    path = f"/api/v1/products/{sku}"
    stale = admin.get(path).header("ETag")
    assert stale == '"v1"'
    admin.ok("PATCH", path, {"name": "renamed"}, headers={"If-Match": stale})
    attempts = [
        admin.request("PATCH", path, {"name": "lost update"}, headers={"If-Match": stale}),
        admin.request("PUT", path, {"name": "lost update"}, headers={"If-Match": stale}),
        admin.request("DELETE", path, headers={"If-Match": stale}),
        admin.request("DELETE", path, headers={"If-Match": '"nonsense"'}),
    ]
    for reply in attempts:
        problem(reply, 412, "precondition_failed")
    current = admin.ok("GET", path)
    assert (current["name"], current["version"], current["archived"]) == ("renamed", 2, False)


def test_payload_too_large(admin: Client) -> None:
    body = b'{"name": "' + b"x" * (MIB - 11) + b'"}'
    assert len(body) == MIB + 1
    reply = admin.post("/api/v1/warehouses", raw=body, headers=AS_JSON)
    problem(reply, 413, "payload_too_large")
    at_limit = b'{"code": "' + b"x" * (MIB - 12) + b'"}'
    assert len(at_limit) == MIB
    fits = admin.post("/api/v1/warehouses", raw=at_limit, headers=AS_JSON)
    assert fits.status == 422  # read and validated, not refused for its size


def test_unsupported_media_type(admin: Client) -> None:
    sku, _ = stocked(admin, 0)
    raw = b'{"name": "changed"}'
    for method, path, content_type in [
        ("POST", "/api/v1/warehouses", "text/plain"),
        ("POST", "/api/v1/products", "application/x-www-form-urlencoded"),
        ("PUT", f"/api/v1/products/{sku}", "application/merge-patch+json"),
        ("PATCH", f"/api/v1/products/{sku}", "application/xml"),
    ]:
        reply = admin.request(method, path, raw=raw, headers={"Content-Type": content_type})
        problem(reply, 415, "unsupported_media_type")
    assert admin.ok("GET", f"/api/v1/products/{sku}")["name"] == f"Product {sku}"


def test_validation_error(admin: Client) -> None:
    sku, warehouse = stocked(admin, 5)
    adjust = {"type": "adjustment", "sku": sku, "warehouse": warehouse, "counted_quantity": 1}
    cases: list[tuple[str, dict[str, Any], list[str]]] = [
        ("/api/v1/orders", order(warehouse, {sku: 0}), ["lines.0.quantity"]),
        ("/api/v1/orders", order(warehouse, {sku: 1, unique("X"): -1}), ["lines.1.quantity"]),
        ("/api/v1/orders", order(warehouse, {}), ["lines"]),
        ("/api/v1/products", {"sku": unique("P"), "name": "p", "colour": "red"}, ["colour"]),
        ("/api/v1/products", {"sku": "bad sku!", "name": ""}, ["sku", "name"]),
        ("/api/v1/movements", {**receipt(sku, warehouse, 1), "unit_cost": 1.5}, ["unit_cost"]),
        ("/api/v1/movements", receipt(sku, warehouse, 1, "1.00001"), ["unit_cost"]),
        ("/api/v1/movements", {**issue(sku, warehouse, 1), "quantity": "2"}, ["quantity"]),
        ("/api/v1/movements", {**adjust, "reason": "theft"}, ["reason"]),
        ("/api/v1/movements", {**adjust, "reason": "count", "quantity": 1}, ["quantity"]),
        ("/api/v1/api-keys", {"name": "k", "role": "root"}, ["role"]),
    ]  # fmt: skip
    for path, body, expected in cases:
        found = problem(admin.post(path, body), 422, "validation_error")
        assert sorted(fields(found)) == sorted(expected), (body, found)
        assert all(error["message"] for error in found["errors"])
    totals = admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
    assert totals == {"on_hand": 5, "reserved": 0, "available": 5}


def test_a_movement_without_a_known_type_names_the_type_field(admin: Client) -> None:
    sku, warehouse = stocked(admin, 1)
    for body in ({"sku": sku, "warehouse": warehouse, "quantity": 1},
                 {"type": "gift", "sku": sku, "warehouse": warehouse, "quantity": 1}):  # fmt: skip
        found = problem(admin.post("/api/v1/movements", body), 422, "validation_error")
        assert fields(found) == ["type"], found


def test_requests_the_http_parser_refuses_still_get_a_problem_document(admin: Client) -> None:
    bad_length = admin.request(
        "POST", "/api/v1/warehouses", headers={**AS_JSON, "Content-Length": "abc"}
    )
    too_long = admin.get("/api/v1/products?q=" + "a" * 9000)
    for reply in (bad_length, too_long):
        assert reply.status in (400, 414)
        assert reply.header("Content-Type") == "application/problem+json", reply.body
        assert reply.header("X-Request-ID"), dict(reply.headers)
    assert bad_length.json["code"] == "bad_request"


def test_idempotency_key_reused(admin: Client) -> None:
    sku, warehouse = stocked(admin, 0)
    key = {"Idempotency-Key": unique("idem")}
    first_body = receipt(sku, warehouse, 2)
    first = admin.post("/api/v1/movements", first_body, headers=key)
    assert first.status == 201
    reused = admin.post("/api/v1/movements", {**first_body, "quantity": 3}, headers=key)
    problem(reused, 422, "idempotency_key_reused")
    replay = admin.post("/api/v1/movements", first_body, headers=key)
    assert (replay.status, replay.body) == (201, first.body)
    assert replay.header("Location") == first.header("Location")
    assert admin.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]["on_hand"] == 2


def test_internal_error_reveals_nothing_and_is_logged(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        client = server.client()
        assert client.get("/api/v1/orders").status == 200
        assert server.database is not None
        conn = sqlite3.connect(server.database, isolation_level=None, timeout=10)
        try:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("DROP TABLE orders")
        finally:
            conn.close()
        reply = client.get("/api/v1/orders")
        body = problem(reply, 500, "internal_error")
        request_id = body["request_id"]
        assert request_id == reply.header("X-Request-ID")
        assert request_id in body["detail"]
        text = reply.body.decode()
        for leak in ("Traceback", "sqlite", "SELECT", "no such table", "OperationalError", ".py"):
            assert leak.lower() not in text.lower(), leak
        lines = server.logs().splitlines()
        said = [
            n for n, line in enumerate(lines) if "unhandled error" in line and request_id in line
        ]
        assert len(said) == 1, server.logs()
        assert lines[said[0] + 1] == "Traceback (most recent call last):"
        assert client.get("/health").status == 200  # the worker lives on
        keyed = {"Idempotency-Key": unique("crash")}
        body = order("MAIN", {"BOLT": 1})
        first = client.post("/api/v1/orders", body, headers=keyed)
        again = client.post("/api/v1/orders", body, headers=keyed)
        problem(first, 500, "internal_error")
        problem(again, 500, "internal_error")  # a 5xx is not kept: the retry runs again
        assert server.stop() == 0


def test_unavailable_while_another_writer_holds_the_lock(tmp_path: Path) -> None:
    with running_server(tmp_path, database_query="busy_timeout_ms=200") as server:
        client = server.client()
        sku, warehouse = stocked(client, 5)
        take = issue(sku, warehouse, 2)
        retry_key = {"Idempotency-Key": unique("retry")}
        assert server.database is not None
        with hold_write_lock(server.database):
            started = time.monotonic()
            busy = client.post("/api/v1/movements", take)
            waited = time.monotonic() - started
            busy_keyed = client.post("/api/v1/movements", take, headers=retry_key)
            reading = client.get(f"/api/v1/products/{sku}/stock")
        body = problem(busy, 503, "unavailable")
        assert re.fullmatch(r"\d+", busy.header("Retry-After") or "")
        assert "request_id" in body
        assert waited < 5
        problem(busy_keyed, 503, "unavailable")
        assert reading.status == 200  # readers are not held up by the writer
        assert reading.json["totals"]["on_hand"] == 5

        assert client.post("/api/v1/movements", take).status == 201
        retried = client.post("/api/v1/movements", take, headers=retry_key)
        assert (retried.status, retried.header("Idempotent-Replayed")) == (201, None)
        totals = client.ok("GET", f"/api/v1/products/{sku}/stock")["totals"]
        assert totals == {"on_hand": 1, "reserved": 0, "available": 1}
        assert server.stop() == 0
