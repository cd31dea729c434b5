"""Strong ETags, If-None-Match on reads and If-Match on writes (API.md §1)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.http.driver import NO_BODY, Api

WRITES: list[tuple[str, Any]] = [
    ("PUT", {"name": "Renamed"}),
    ("PATCH", {"name": "Renamed"}),
    ("DELETE", NO_BODY),
]


@pytest.fixture
def bolt(api: Api) -> Api:
    """Product BOLT at version 2 (created, then renamed)."""
    api.given_product("BOLT", "Bolt")
    api.ok("PATCH", "/api/v1/products/BOLT", {"name": "Bolt, zinc"})
    return api


def _shown(api: Api) -> Any:
    return api.ok("GET", "/api/v1/products/BOLT")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/products/BOLT", "/api/v1/products/BOLT/stock", "/api/v1/warehouses/MAIN"],
)
def test_a_single_resource_carries_a_strong_etag(stocked: Api, path: str) -> None:
    etag = stocked.get(path).header("ETag")

    assert etag is not None
    assert re.fullmatch(r'"[^"]+"', etag)
    assert stocked.get(path).header("ETag") == etag


def test_the_etag_changes_when_the_product_does(bolt: Api) -> None:
    before = bolt.get("/api/v1/products/BOLT").header("ETag")

    bolt.ok("PATCH", "/api/v1/products/BOLT", {"category": "fasteners"})

    assert bolt.get("/api/v1/products/BOLT").header("ETag") != before


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_with_the_current_etag_is_not_modified(bolt: Api, method: str) -> None:
    etag = bolt.get("/api/v1/products/BOLT").header("ETag") or ""

    reply = bolt.request(method, "/api/v1/products/BOLT", headers={"If-None-Match": etag})

    assert reply.status == 304
    assert reply.body == b""
    assert reply.header("ETag") == etag
    assert reply.header("Content-Type") is None


@pytest.mark.parametrize("header", ['"x", "v2"', 'W/"v2"', "*"])
def test_if_none_match_matches_any_listed_or_weak_tag(bolt: Api, header: str) -> None:
    reply = bolt.get("/api/v1/products/BOLT", headers={"If-None-Match": header})

    assert reply.status == 304


def test_if_none_match_with_an_old_etag_sends_the_resource(bolt: Api) -> None:
    reply = bolt.get("/api/v1/products/BOLT", headers={"If-None-Match": '"v1"'})

    assert reply.status == 200
    assert reply.json["version"] == 2


def test_if_none_match_works_for_a_digest_etag_too(stocked: Api) -> None:
    etag = stocked.get("/api/v1/products/BOLT/stock").header("ETag") or ""
    path = "/api/v1/products/BOLT/stock"

    assert stocked.get(path, headers={"If-None-Match": etag}).status == 304
    stocked.given_receipt("BOLT", "MAIN", 1)
    assert stocked.get(path, headers={"If-None-Match": etag}).status == 200


@pytest.mark.parametrize(("method", "body"), WRITES)
@pytest.mark.parametrize("stale", ['"v1"', '"v3"', 'W/"v2"', '"2"', "v2", '"v1", "v3"'])
def test_a_write_whose_if_match_does_not_match_fails_and_changes_nothing(
    bolt: Api, method: str, body: Any, stale: str
) -> None:
    before = _shown(bolt)

    reply = bolt.request(method, "/api/v1/products/BOLT", body, headers={"If-Match": stale})

    assert reply.status == 412
    assert reply.code == "precondition_failed"
    assert _shown(bolt) == before


@pytest.mark.parametrize(("method", "body"), WRITES)
@pytest.mark.parametrize("current", ['"v2"', "*", '"v1", "v2"', ' "v2" '])
def test_a_write_whose_if_match_matches_goes_through(
    bolt: Api, method: str, body: Any, current: str
) -> None:
    reply = bolt.request(method, "/api/v1/products/BOLT", body, headers={"If-Match": current})

    assert reply.status in (200, 204)
    after = _shown(bolt)
    assert after["version"] == 3
    assert after["name"] == "Renamed" or after["archived"]


def test_the_etag_of_a_write_is_the_one_to_send_next(bolt: Api) -> None:
    first = bolt.put("/api/v1/products/BOLT", {"name": "One"}, headers={"If-Match": '"v2"'})
    etag = first.header("ETag") or ""

    second = bolt.put("/api/v1/products/BOLT", {"name": "Two"}, headers={"If-Match": etag})
    lost = bolt.put("/api/v1/products/BOLT", {"name": "Three"}, headers={"If-Match": etag})

    assert (first.status, second.status, lost.status) == (200, 200, 412)
    assert _shown(bolt)["name"] == "Two"


def test_if_match_on_an_unknown_product_is_not_found(api: Api) -> None:
    reply = api.put("/api/v1/products/NOPE", {"name": "x"}, headers={"If-Match": "*"})

    assert reply.code == "not_found"
