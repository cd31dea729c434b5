"""Cached reads over HTTP, in process on the memory store: never older than the last write."""

from __future__ import annotations

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.application.ports import CacheStats
from inventory.domain.keys import Role
from tests.unit.http.driver import Api

PRODUCT = "/api/v1/products/BOLT"


@pytest.fixture
def cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def cached(cache: MemoryCache) -> Api:
    """The API over a memory cache; warehouse MAIN holds 10 BOLT."""
    api = Api(cache=cache)
    api.given_stock("BOLT", "MAIN", 10)
    return api


def test_a_repeated_read_is_served_from_the_cache(cached: Api, cache: MemoryCache) -> None:
    first = cached.get(PRODUCT)
    second = cached.get(PRODUCT)

    assert (first.status, second.status) == (200, 200)
    assert second.body == first.body
    assert _without_request_id(second.headers) == _without_request_id(first.headers)
    # Each request looks up its API key, then the product, both through the cache.
    assert cache.stats() == CacheStats(hits=2, misses=2)


def test_a_patch_is_seen_by_the_next_read(cached: Api) -> None:
    version = cached.get(PRODUCT).json["version"]
    cached.get(PRODUCT)

    cached.ok("PATCH", PRODUCT, {"name": "Hex bolt"})

    reply = cached.get(PRODUCT)
    assert reply.json["name"] == "Hex bolt"
    assert reply.header("ETag") == f'"v{version + 1}"'


def test_a_receipt_is_seen_by_the_next_stock_and_list_reads(cached: Api) -> None:
    stock, listed = f"{PRODUCT}/stock", "/api/v1/warehouses/MAIN/stock"
    assert cached.get(stock).json["totals"]["on_hand"] == 10
    assert cached.get(listed).json["items"][0]["on_hand"] == 10

    cached.given_receipt("BOLT", "MAIN", 5)

    assert cached.get(stock).json["totals"]["on_hand"] == 15
    assert cached.get(listed).json["items"][0]["on_hand"] == 15
    assert len(cached.get("/api/v1/movements").json["items"]) == 2


def test_a_receipt_on_one_product_leaves_another_products_entries_cached(
    cached: Api, cache: MemoryCache
) -> None:
    cached.given_warehouse("EAST")
    cached.given_product("NUT")
    cached.given_receipt("NUT", "EAST", 3)
    nut, nut_stock = "/api/v1/products/NUT", "/api/v1/products/NUT/stock"
    before = [cached.get(target).body for target in (nut, nut_stock, "/api/v1/movements")]
    cached.get("/api/v1/warehouses/EAST/stock")
    hits = cache.stats().hits

    cached.given_receipt("BOLT", "MAIN", 5)

    assert [cached.get(target).body for target in (nut, nut_stock)] == before[:2]
    assert cached.get("/api/v1/warehouses/EAST/stock").status == 200
    # Three key lookups and NUT's three entries hit; the ledger moved on.
    assert cache.stats().hits == hits + 6
    assert cached.get("/api/v1/movements").body != before[2]


def test_a_receipt_is_seen_by_a_product_list_filtered_on_stock(cached: Api) -> None:
    cached.ok("PATCH", PRODUCT, {"reorder_point": 12})
    low = "/api/v1/products?below_reorder=true"
    assert [p["sku"] for p in cached.get(low).json["items"]] == ["BOLT"]

    cached.given_receipt("BOLT", "MAIN", 5)

    assert cached.get(low).json["items"] == []


def test_a_cached_answer_still_answers_if_none_match_with_304(cached: Api) -> None:
    etag = cached.get(PRODUCT).header("ETag") or ""

    reply = cached.get(PRODUCT, headers={"If-None-Match": etag})

    assert reply.status == 304
    assert reply.header("ETag") == etag


def test_head_of_a_cached_read_has_the_get_headers_and_no_body(cached: Api) -> None:
    got = cached.get(PRODUCT)

    head = cached.head(PRODUCT)

    assert head.status == 200
    assert head.body == b""
    assert head.header("Content-Length") == str(len(got.body))
    assert head.header("ETag") == got.header("ETag")


def test_each_query_is_its_own_entry_and_keeps_its_next_link(cached: Api) -> None:
    cached.given_product("NUT")
    cached.given_product("WASHER")

    page_one = cached.get("/api/v1/products?limit=1")
    again = cached.get("/api/v1/products?limit=1")
    page_two = cached.get("/api/v1/products?limit=2")

    assert again.body == page_one.body
    assert again.header("Link") == page_one.header("Link")
    assert "?limit=1&cursor=" in (again.header("Link") or "")
    assert [p["sku"] for p in page_two.json["items"]] == ["BOLT", "NUT"]


def test_a_missing_product_is_never_cached(cached: Api, cache: MemoryCache) -> None:
    assert cached.get("/api/v1/products/NUT").status == 404

    cached.given_product("NUT")

    assert cached.get("/api/v1/products/NUT").status == 200
    # The second request's key lookup hit (a new product is no write to the key);
    # both reads of NUT missed: the 404 was not kept.
    assert cache.stats() == CacheStats(hits=1, misses=3)


def test_the_key_is_checked_on_every_cached_read(cached: Api) -> None:
    cached.get(PRODUCT)

    assert cached.get(PRODUCT, key=None).status == 401
    assert cached.get(PRODUCT, key="inv_guess").status == 401


def test_a_key_revoked_after_a_cached_read_is_refused_at_once(cached: Api) -> None:
    key_id, secret = cached.new_key(Role.VIEWER, "till-tom")
    assert cached.get(PRODUCT, key=secret).status == 200
    assert cached.get(PRODUCT, key=secret).status == 200

    cached.ok("DELETE", f"/api/v1/api-keys/{key_id}")

    assert cached.get(PRODUCT, key=secret).status == 401


def test_reads_that_are_not_cached_leave_the_cache_alone(cached: Api, cache: MemoryCache) -> None:
    cached.get("/api/v1/warehouses")
    cached.get("/api/v1/warehouses/MAIN")

    assert cache.stats() == CacheStats(0, 0)
    assert len(cache) == 0


def _without_request_id(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name != "X-Request-ID"]
