"""Bearer API keys and roles (API.md §1, §7)."""

from __future__ import annotations

import pytest

from inventory.domain.keys import Role
from tests.unit.http.driver import NO_BODY, Api, Reply

RECEIPT = {"type": "receipt", "sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": "1"}


def _assert_unauthorized(reply: Reply) -> None:
    assert reply.status == 401
    assert reply.code == "unauthorized"
    challenge = reply.header("WWW-Authenticate") or ""
    assert challenge.split()[0] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer ",
        "Bearer two words",
        "Token secret-1",
        "Bearer unknown-secret",
        "Bearer " + "k" * 513,
    ],
)
def test_a_request_without_a_usable_key_is_unauthorized(
    api: Api, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    reply = api.get("/api/v1/products", key=None, headers=headers)

    _assert_unauthorized(reply)


def test_the_scheme_name_is_case_insensitive(api: Api) -> None:
    reply = api.get("/api/v1/products", key=None, headers={"Authorization": f"bearer {api.viewer}"})

    assert reply.status == 200


def test_a_write_without_a_key_changes_nothing(api: Api) -> None:
    reply = api.post("/api/v1/warehouses", {"code": "MAIN", "name": "Main"}, key=None)

    _assert_unauthorized(reply)
    assert api.ok("GET", "/api/v1/warehouses")["items"] == []


def test_a_revoked_key_is_unauthorized(api: Api) -> None:
    key_id, secret = api.new_key(Role.CLERK, "scanner")
    assert api.get("/api/v1/products", key=secret).status == 200

    api.ok("DELETE", f"/api/v1/api-keys/{key_id}")

    _assert_unauthorized(api.get("/api/v1/products", key=secret))


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("viewer", "POST", "/api/v1/movements", RECEIPT),
        (
            "viewer",
            "POST",
            "/api/v1/orders",
            {"reference": "SO-1", "warehouse": "MAIN", "lines": []},
        ),
        ("viewer", "GET", "/api/v1/api-keys", None),
        ("viewer", "POST", "/api/v1/orders/abc/ship", None),
        ("clerk", "POST", "/api/v1/products", {"sku": "NEW", "name": "New"}),
        ("clerk", "PUT", "/api/v1/products/BOLT", {"name": "Renamed"}),
        ("clerk", "DELETE", "/api/v1/products/BOLT", None),
        ("clerk", "POST", "/api/v1/warehouses", {"code": "NEW", "name": "New"}),
        ("clerk", "POST", "/api/v1/api-keys", {"name": "mine", "role": "admin"}),
        ("clerk", "GET", "/api/v1/api-keys", None),
    ],
)
def test_a_key_whose_role_is_too_low_is_forbidden(
    stocked: Api, role: str, method: str, path: str, body: object
) -> None:
    secret = stocked.viewer if role == "viewer" else stocked.clerk
    before = stocked.stock_of("BOLT"), stocked.ok("GET", "/api/v1/products/BOLT")

    reply = stocked.request(method, path, NO_BODY if body is None else body, key=secret)

    assert reply.status == 403
    assert reply.code == "forbidden"
    assert (stocked.stock_of("BOLT"), stocked.ok("GET", "/api/v1/products/BOLT")) == before
    assert len(stocked.storage.store.api_keys) == 3


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("viewer", "/api/v1/products"),
        ("viewer", "/api/v1/products/BOLT/stock"),
        ("viewer", "/api/v1/warehouses/MAIN/stock"),
        ("viewer", "/api/v1/movements"),
        ("viewer", "/api/v1/orders"),
        ("clerk", "/api/v1/products/BOLT"),
        ("admin", "/api/v1/api-keys"),
    ],
)
def test_each_role_reads_what_it_may(stocked: Api, role: str, path: str) -> None:
    secret = {"viewer": stocked.viewer, "clerk": stocked.clerk, "admin": stocked.admin}[role]

    assert stocked.get(path, key=secret).status == 200


def test_a_clerk_records_movements_and_an_admin_may_too(stocked: Api) -> None:
    assert stocked.post("/api/v1/movements", RECEIPT, key=stocked.clerk).status == 201
    assert stocked.post("/api/v1/movements", RECEIPT, key=stocked.admin).status == 201
    assert stocked.stock_of("BOLT")["totals"]["on_hand"] == 12


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics", "/openapi.json", "/docs"])
def test_operations_endpoints_need_no_key(api: Api, path: str) -> None:
    assert api.get(path, key=None).status == 200


@pytest.mark.parametrize("path", ["/health", "/docs"])
def test_operations_endpoints_ignore_a_bad_key(api: Api, path: str) -> None:
    assert api.get(path, key="not-a-key").status == 200
