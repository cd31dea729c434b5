"""Keyset pages: next_cursor, the Link header, and walking a list to its end (API.md §1)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.unit.http.driver import Api

NAMES = ["Bolt", "bolt cutter", "Anchor bolt", "Nut", "Washer", "Hex bolt", "Bolt M10"]


@pytest.fixture
def seven(api: Api) -> Api:
    """Seven products P1..P7, five of them with "bolt" in the name, all in category hw."""
    for n, name in enumerate(NAMES, start=1):
        api.given_product(f"P{n}", name, category="hw")
    return api


def test_a_full_first_page_links_to_the_next_keeping_filters_limit_and_sort(seven: Api) -> None:
    reply = seven.get("/api/v1/products?q=bolt&category=hw&limit=2&sort=-name")

    assert [p["name"] for p in reply.json["items"]] == ["bolt cutter", "Hex bolt"]
    cursor = reply.json["next_cursor"]
    assert isinstance(cursor, str)
    assert cursor
    link = reply.next_link
    assert link is not None
    target = urlsplit(link)
    assert target.path == "/api/v1/products"
    assert parse_qs(target.query) == {
        "q": ["bolt"],
        "category": ["hw"],
        "limit": ["2"],
        "sort": ["-name"],
        "cursor": [cursor],
    }


def test_following_the_links_yields_every_row_once_in_order(seven: Api) -> None:
    names = [p["name"] for p in seven.all_pages("/api/v1/products?q=bolt&limit=2&sort=-name")]

    assert names == ["bolt cutter", "Hex bolt", "Bolt M10", "Bolt", "Anchor bolt"]


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 500])
def test_every_page_size_walks_the_whole_list(seven: Api, limit: int) -> None:
    skus = [p["sku"] for p in seven.all_pages(f"/api/v1/products?limit={limit}")]

    assert skus == [f"P{n}" for n in range(1, 8)]


def test_the_last_page_has_no_link_and_a_null_cursor(seven: Api) -> None:
    first = seven.get("/api/v1/products?limit=4")
    last = seven.get(first.next_link or "")

    assert len(last.json["items"]) == 3
    assert last.json["next_cursor"] is None
    assert last.header("Link") is None


def test_a_page_that_holds_everything_has_no_link(seven: Api) -> None:
    reply = seven.get("/api/v1/products?limit=7")

    assert len(reply.json["items"]) == 7
    assert reply.json["next_cursor"] is None
    assert reply.header("Link") is None


def test_the_default_page_holds_fifty(api: Api) -> None:
    for n in range(51):
        api.given_product(f"P{n:02d}")

    first = api.get("/api/v1/products")

    assert len(first.json["items"]) == 50
    assert first.next_link is not None
    assert "limit" not in parse_qs(urlsplit(first.next_link).query)
    assert [p["sku"] for p in api.ok("GET", first.next_link)["items"]] == ["P50"]


def test_a_row_added_while_paging_neither_repeats_nor_skips_a_row(seven: Api) -> None:
    first = seven.get("/api/v1/products?limit=3")
    seven.given_product("P0")
    seven.given_product("P9")

    rest = seven.all_pages(first.next_link or "")

    seen = [p["sku"] for p in first.json["items"] + rest]
    assert seen == ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P9"]


def test_the_ledger_pages_by_time_through_equal_instants(api: Api) -> None:
    api.clock.step = timedelta(0)  # every movement at the same instant
    api.given_stock("BOLT", "MAIN", 1)
    for _ in range(4):
        api.given_receipt("BOLT", "MAIN", 1)

    ids = [m["id"] for m in api.all_pages("/api/v1/movements?limit=2&sku=BOLT")]

    assert len(ids) == len(set(ids)) == 5
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/warehouses?limit=1",
        "/api/v1/movements?limit=1&type=receipt",
        "/api/v1/orders?limit=1&status=reserved",
        "/api/v1/warehouses/MAIN/stock?limit=1",
    ],
)
def test_every_list_pages_the_same_way(every_list: Api, path: str) -> None:
    first = every_list.get(path)
    items = every_list.all_pages(path)

    assert first.next_link is not None
    assert len(items) == 2
    assert items[0] == first.json["items"][0]


# --- edited cursors ------------------------------------------------------------------------

LISTS = {
    # list, sort -> what each value of its cursor is: code, text, time or id
    ("/api/v1/products", "sku"): ("code",),
    ("/api/v1/products", "-sku"): ("code",),
    ("/api/v1/products", "name"): ("text", "code"),
    ("/api/v1/products", "created_at"): ("time", "code"),
    ("/api/v1/products", "-updated_at"): ("time", "code"),
    ("/api/v1/warehouses", "code"): ("code",),
    ("/api/v1/warehouses/MAIN/stock", "sku"): ("code",),
    ("/api/v1/movements", "created_at"): ("time", "id"),
    ("/api/v1/orders", "-created_at"): ("time", "id"),
    ("/api/v1/api-keys", "created_at"): ("time", "id"),
    ("/api/v1/jobs", "created_at"): ("time", "id"),
}
NOT_A = {
    "code": ["", "two words", "-dash-first", "x" * 65, "BOLT\n"],
    "time": ["yesterday", "", "2026-11-26", "2026-13-01T00:00:00Z", "2026-11-26T19:25:20",
             "2026-11-26T19:25:20.123456Z'", "2026-11-26 19:25:20Z"],
    "id": ["", "id 1", "x" * 65, "' OR 1=1 --", "-1"],
    "text": [],
}  # fmt: skip
NOT_TEXT: list[Any] = [12, 1.5, None, True, [], {}]


@pytest.fixture
def every_list(api: Api) -> Api:
    """Two rows or more in every list (products, warehouses, levels, ledger, orders, keys, jobs)."""
    api.given_stock("BOLT", "MAIN", 10)
    api.given_warehouse("EAST")
    api.given_product("NUT")
    api.given_receipt("NUT", "MAIN", 5)
    for reference in ("SO-1", "SO-2"):
        order = {"reference": reference, "warehouse": "MAIN",
                 "lines": [{"sku": "BOLT", "quantity": 1}]}  # fmt: skip
        api.ok("POST", "/api/v1/orders", order, key=api.clerk)
    for _ in range(2):
        report = {"kind": "valuation", "format": "json"}
        api.ok("POST", "/api/v1/reports", report, key=api.clerk)
    return api


def _values(cursor: str) -> list[Any]:
    values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert isinstance(values, list)
    return values


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _first_cursor(api: Api, path: str, sort: str) -> list[Any]:
    reply = api.get(f"{path}?limit=1&sort={sort}")
    assert reply.status == 200, reply.body
    cursor = reply.json["next_cursor"]
    assert isinstance(cursor, str), f"{path} sorted by {sort} has one page only"
    return _values(cursor)


def _edits(sort: str, kinds: tuple[str, ...], values: list[Any]) -> list[list[Any]]:
    edits: list[list[Any]] = []
    for n, kind in enumerate(kinds, start=1):
        for bad in [*NOT_A[kind], *NOT_TEXT]:
            edits.append([*values[:n], bad, *values[n + 1 :]])
    edits.append(values[:-1])  # a value short
    edits.append([*values, values[-1]])  # a value more
    flipped = sort[1:] if sort.startswith("-") else f"-{sort}"
    edits.append([flipped, *values[1:]])  # the other direction
    edits.append([7, *values[1:]])
    edits.append(values[0])  # not a list
    return edits


@pytest.mark.parametrize(("path", "sort"), LISTS.keys(), ids=[f"{p}?sort={s}" for p, s in LISTS])
def test_an_edited_cursor_is_a_bad_request(every_list: Api, path: str, sort: str) -> None:
    values = _first_cursor(every_list, path, sort)
    assert values[0] == sort
    assert len(values) == 1 + len(LISTS[path, sort])

    accepted = []
    for edited in _edits(sort, LISTS[path, sort], values):
        reply = every_list.get(f"{path}?limit=1&sort={sort}&cursor={_cursor(edited)}")
        if reply.status != 400 or reply.code != "bad_request":
            accepted.append((edited, reply.status))

    assert accepted == []


@pytest.mark.parametrize(("path", "sort"), LISTS.keys(), ids=[f"{p}?sort={s}" for p, s in LISTS])
def test_an_untouched_cursor_pages_through_every_row_once(
    every_list: Api, path: str, sort: str
) -> None:
    whole = every_list.ok("GET", f"{path}?limit=500&sort={sort}")["items"]

    paged = every_list.all_pages(f"{path}?limit=1&sort={sort}")

    assert len(whole) >= 2
    assert paged == whole


def test_a_cursor_time_in_another_offset_is_the_same_instant(every_list: Api) -> None:
    values = _first_cursor(every_list, "/api/v1/movements", "created_at")
    moment = datetime.fromisoformat(values[1]).astimezone(timezone(timedelta(hours=2)))
    values[1] = moment.isoformat()

    reply = every_list.get(f"/api/v1/movements?limit=1&cursor={_cursor(values)}")

    assert reply.status == 200
    expected = every_list.ok("GET", "/api/v1/movements?limit=2")["items"][1]
    assert reply.json["items"] == [expected]
