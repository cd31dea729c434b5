"""``GET /api/v1/scan/{code}`` in-process: the route, its parameter and its answers (API.md §13)."""

from __future__ import annotations

import pytest

from tests.unit.http.driver import Api


def test_a_viewer_scans_a_product_by_a_gtin_of_another_length(api: Api) -> None:
    api.given_product("WATER", unit="bottle", barcode="6291041500213")

    reply = api.get("/api/v1/scan/06291041500213", key=api.viewer)

    assert reply.status == 200, reply.body
    assert reply.json == {"kind": "product", "sku": "WATER", "unit": "bottle", "quantity": 1}
    assert reply.header("ETag")


def test_a_code_may_hold_slashes_and_the_gs_character(api: Api) -> None:
    api.given_product("DRILL", barcode="09506000134352")

    answer = api.ok("GET", "/api/v1/scan/0109506000134352%1D10A/B/C%1D21S/1", key=api.viewer)

    assert answer == {"kind": "serial", "sku": "DRILL", "unit": "each", "quantity": 1,
                      "lot": "A/B/C", "serial": "S/1"}  # fmt: skip


def test_a_wrong_check_digit_is_a_422_on_code(api: Api) -> None:
    reply = api.get("/api/v1/scan/(01)09506000134353", key=api.viewer)

    assert reply.status == 422
    assert [error["field"] for error in reply.json["errors"]] == ["code"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/scan/UNKNOWN", "/api/v1/scan/", "/api/v1/scan/a%0Ab", "/api/v1/scan/" + "7" * 201],
)
def test_a_code_that_names_nothing_or_cannot_is_not_found(api: Api, path: str) -> None:
    reply = api.get(path, key=api.viewer)

    assert reply.status == 404
    assert reply.code == "not_found"


def test_the_longest_code_is_looked_up(api: Api) -> None:
    assert api.get("/api/v1/scan/" + "7" * 200, key=api.viewer).code == "not_found"
    assert "no product" in api.get("/api/v1/scan/" + "7" * 200, key=api.viewer).json["detail"]


def test_scanning_needs_a_key(api: Api) -> None:
    assert api.get("/api/v1/scan/UNKNOWN", key=None).status == 401


def test_the_openapi_document_describes_the_route(api: Api) -> None:
    operation = api.ok("GET", "/openapi.json")["paths"]["/api/v1/scan/{code}"]["get"]

    (parameter,) = operation["parameters"]
    assert (parameter["name"], parameter["schema"]["maxLength"]) == ("code", 200)
    assert {"200", "404", "422"} <= set(operation["responses"])
