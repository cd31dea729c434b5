"""Keyset pagination: opaque cursors that never skip or repeat a row."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from inventory.application.catalog import list_products
from inventory.application.errors import InvalidRequest
from inventory.application.listing import MovementList, ProductList
from inventory.application.pagination import Page
from inventory.application.stock import list_movements
from inventory.application.validation import parse_query
from inventory.domain.catalog import Product
from tests.unit.stories import Shop, given_product, given_stock


def _all_pages(shop: Shop, **params: object) -> list[list[str]]:
    """The skus of every page, following next_cursor to the end."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = list_products(ProductList(cursor=cursor, **params), shop.uow())
        pages.append([p.sku for p in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.fixture
def seven(shop: Shop) -> Shop:
    """Seven products: names with ties, created one second apart."""
    shop.clock.step = timedelta(seconds=1)
    for sku, name in [("G", "bolt"), ("C", "nut"), ("E", "bolt"), ("A", "washer"),
                      ("F", "nut"), ("B", "bolt"), ("D", "anchor")]:  # fmt: skip
        given_product(shop, sku, name)
    return shop


def test_following_the_cursor_visits_every_product_once_in_order(seven: Shop) -> None:
    pages = _all_pages(seven, limit=3)

    assert pages == [["A", "B", "C"], ["D", "E", "F"], ["G"]]


def test_a_list_that_fills_its_last_page_exactly_has_no_next_cursor(seven: Shop) -> None:
    assert _all_pages(seven, limit=7) == [["A", "B", "C", "D", "E", "F", "G"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["D", "B", "E", "G", "C", "F", "A"]),
        ("-name", ["A", "F", "C", "G", "E", "B", "D"]),
        ("-sku", ["G", "F", "E", "D", "C", "B", "A"]),
        ("created_at", ["G", "C", "E", "A", "F", "B", "D"]),
        ("-created_at", ["D", "B", "F", "A", "E", "C", "G"]),
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_through_any_sort_visits_every_row_once(
    seven: Shop, sort: str, expected: list[str], limit: int
) -> None:
    pages = _all_pages(seven, limit=limit, sort=sort)

    assert [sku for page in pages for sku in page] == expected
    assert all(len(page) == limit for page in pages[:-1])


def test_a_product_added_while_paging_never_causes_a_skip_or_a_repeat(seven: Shop) -> None:
    first = list_products(ProductList(limit=3, sort="name"), seven.uow())  # D, B, E
    given_product(seven, "AA", "bolt")  # sorts before the cursor: not shown on later pages
    given_product(seven, "Z", "nut")  # sorts after the cursor: shown once, in its place

    rest = _follow(seven, first, sort="name", limit=3)

    assert [p.sku for p in first.items] == ["D", "B", "E"]
    assert rest == ["G", "C", "F", "Z", "A"]


def _follow(shop: Shop, page: Page[Product], **params: object) -> list[str]:
    seen: list[str] = []
    while page.next_cursor is not None:
        page = list_products(ProductList(cursor=page.next_cursor, **params), shop.uow())
        seen += [p.sku for p in page.items]
    return seen


def test_movements_with_the_same_time_page_in_recording_order(shop: Shop) -> None:
    for n in range(5):
        given_stock(shop, f"SKU-{n}", "WH-MAIN", 1)  # the clock stands still
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = list_movements(MovementList(limit=2, cursor=cursor), shop.uow())
        ids += [m.id for m in page.items]
        if (cursor := page.next_cursor) is None:
            break

    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == 5


def _cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%",
        "bm90IGpzb24",  # base64 of "not json"
        _cursor("sku"),
        _cursor("sku", 1),
        _cursor("sku", "A", "B"),
        base64.urlsafe_b64encode(b'{"sku": "A"}').decode(),
        "\u00e9t\u00e9",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_that_was_not_handed_out_is_a_bad_request(shop: Shop, cursor: str) -> None:
    with pytest.raises(InvalidRequest, match="cursor"):
        list_products(parse_query(ProductList, {"cursor": cursor}), shop.uow())


def test_a_cursor_from_another_sort_is_refused(seven: Shop) -> None:
    by_name = list_products(ProductList(limit=2, sort="name"), seven.uow()).next_cursor

    with pytest.raises(InvalidRequest, match="cursor was made for sort 'name', not 'sku'"):
        list_products(ProductList(cursor=by_name), seven.uow())
    with pytest.raises(InvalidRequest, match="not '-name'"):
        list_products(ProductList(cursor=by_name, sort="-name"), seven.uow())


def test_sorting_by_a_field_the_list_does_not_offer_is_a_bad_request(shop: Shop) -> None:
    with pytest.raises(
        InvalidRequest,
        match=r"cannot sort by 'price'; allowed: created_at, name, sku, updated_at",
    ):
        list_products(ProductList(sort="price"), shop.uow())
    with pytest.raises(InvalidRequest):
        list_movements(MovementList(sort="sku"), shop.uow())


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5"])
def test_a_limit_outside_one_to_five_hundred_is_a_bad_request(limit: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_query(ProductList, {"limit": limit})

    assert [e.field for e in refused.value.errors] == ["limit"]


@pytest.mark.parametrize(("limit", "parsed"), [("1", 1), ("500", 500), (None, 50)])
def test_a_limit_from_one_to_five_hundred_is_taken_and_fifty_is_the_default(
    limit: str | None, parsed: int
) -> None:
    query = {} if limit is None else {"limit": limit}

    assert parse_query(ProductList, query).limit == parsed


@pytest.mark.parametrize(
    "make", [lambda: _cursor("-sku", "B"), lambda: _cursor("sku", "B")], ids=["desc", "asc"]
)
def test_a_well_formed_cursor_continues_after_its_row(seven: Shop, make: Callable[[], str]) -> None:
    cursor = make()
    sort = json.loads(base64.urlsafe_b64decode(cursor + "==="))[0]

    page = list_products(ProductList(cursor=cursor, sort=sort, limit=2), seven.uow())

    assert [p.sku for p in page.items] == (["A"] if sort == "-sku" else ["C", "D"])
