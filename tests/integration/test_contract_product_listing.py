"""The ProductRepository contract: paging, filters, reorder points and low stock.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inventory.application.listing import PRODUCT_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import LowStockRow, PageSpec, ProductFilter
from inventory.domain.catalog import Product, ProductDetails
from inventory.domain.stock import StockLevel
from tests.factories import T0, ProductFactory
from tests.integration.contract import SECOND, given, page_through, reading, warehouses


def _catalog(storage: Storage) -> list[Product]:
    """Nine products with tied names, creation and update times; two archived."""
    names = ["Hex bolt", "hex NUT", "Washer"]
    catalog = [
        ProductFactory(
            sku=sku,
            details=ProductDetails(
                name=names[n % 3],
                category="fasteners" if n % 2 else "tools",
                reorder_point=n,
            ),
            created_at=T0 + (n % 3) * SECOND,
            updated_at=T0 + ((2 * n) % 4) * SECOND,
            archived=sku in ("P3", "P8"),
        )
        for n, sku in enumerate(["P7", "P2", "P5", "P0", "P8", "P1", "P6", "P3", "P4"])
    ]
    given(storage, *warehouses("W1", "W2"), *catalog)
    return catalog


def _position(sort: str) -> Callable[[Product], tuple[object, ...]]:
    value: dict[str, Callable[[Product], object]] = {
        "sku": lambda p: p.sku,
        "name": lambda p: p.details.name,
        "created_at": lambda p: p.created_at,
        "updated_at": lambda p: p.updated_at,
    }
    return lambda p: (value[sort](p), p.sku)


# --- paging ---------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["sku", "name", "created_at", "updated_at"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4, 9])
def test_paging_products_by_any_sort_visits_each_once_in_order(
    storage: Storage, sort: str, descending: bool, limit: int
) -> None:
    catalog = _catalog(storage)
    everything = ProductFilter(archived=None)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.products.fetch_page(everything, spec), PRODUCT_SORTS, sort,
            descending, limit,
        )  # fmt: skip

    assert seen == sorted(catalog, key=_position(sort), reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
def test_names_beyond_ascii_sort_by_code_point_on_every_adapter(
    storage: Storage, descending: bool
) -> None:
    names = [
        "zeta",
        "Zeta",
        "\u00e9clair",
        "\u00c9clair",
        "apple",
        "\U0001f600 smile",
        "\uff21",
        "a",
    ]
    catalog = [ProductFactory(sku=f"S{n}", details__name=name) for n, name in enumerate(names)]
    given(storage, *catalog)

    with reading(storage) as uow:
        seen = page_through(
            lambda spec: uow.products.fetch_page(ProductFilter(), spec),
            PRODUCT_SORTS, "name", descending, limit=3,
        )  # fmt: skip

    assert seen == sorted(catalog, key=_position("name"), reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
def test_a_product_added_while_paging_never_causes_a_skip_or_a_repeat(
    storage: Storage, descending: bool
) -> None:
    catalog = _catalog(storage)
    everything = ProductFilter(archived=None)
    with reading(storage) as uow:
        first = uow.products.fetch_page(everything, PageSpec("name", descending, limit=4))[:4]
    last = first[-1]
    # Both share the last row's name, so their skus put them either side of the cursor.
    behind, ahead = ("A-EARLY", "Z-LATE") if not descending else ("Z-LATE", "A-EARLY")
    given(
        storage,
        ProductFactory(sku=behind, details__name=last.details.name),
        ProductFactory(sku=ahead, details__name=last.details.name),
    )

    with reading(storage) as uow:
        rest = page_through(
            lambda spec: uow.products.fetch_page(everything, spec), PRODUCT_SORTS, "name",
            descending, limit=2, start=PRODUCT_SORTS.key("name", last),
        )  # fmt: skip

    seen = [p.sku for p in first + rest]
    assert len(seen) == len(set(seen))
    assert set(seen) == {p.sku for p in catalog} | {ahead}


# --- filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (ProductFilter(), ["P0", "P1", "P2", "P4", "P5", "P6", "P7"]),
        (ProductFilter(archived=True), ["P3", "P8"]),
        (ProductFilter(archived=None), ["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]),
        (ProductFilter(q="HEX", archived=None), ["P0", "P2", "P3", "P6", "P7", "P8"]),
        (ProductFilter(q="nut"), ["P2"]),
        (ProductFilter(q="p4"), ["P4"]),
        (ProductFilter(q="ex b"), ["P0", "P6", "P7"]),
        (ProductFilter(q="%"), []),
        (ProductFilter(category="fasteners"), ["P0", "P1", "P2"]),
        (ProductFilter(category="Fasteners"), []),
        (ProductFilter(q="hex", category="tools"), ["P6", "P7"]),
    ],
    ids=["active", "archived", "all", "q-sku-or-name-any-case", "q-name", "q-sku", "q-substring",
         "q-wildcard-is-literal", "category", "category-exact", "combined"],
)  # fmt: skip
def test_every_product_filter_selects_the_same_rows_on_every_adapter(
    storage: Storage, filter: ProductFilter, expected: list[str]
) -> None:
    _catalog(storage)

    with reading(storage) as uow:
        paged = page_through(
            lambda spec: uow.products.fetch_page(filter, spec), PRODUCT_SORTS, "sku"
        )

    assert [p.sku for p in paged] == expected


def test_q_ignores_case_beyond_ascii_letters(storage: Storage) -> None:
    given(storage, ProductFactory(sku="ECLAIR", details__name="\u00c9CLAIR AU CAF\u00c9"))

    with reading(storage) as uow:
        found = uow.products.fetch_page(
            ProductFilter(q="\u00e9clair au caf\u00e9"), PageSpec("sku")
        )

    assert [p.sku for p in found] == ["ECLAIR"]


# --- reorder points and low stock -----------------------------------------------------


def _stocked_catalog(storage: Storage) -> None:
    """Reorder points 0..8 (P7=0, P2=1, P5=2, P0=3, P8=4, P1=5, P6=6, P3=7, P4=8) and stock."""
    _catalog(storage)
    given(
        storage,
        StockLevel("P0", "W1", 2), StockLevel("P0", "W2", 2),      # 4 available > 3
        StockLevel("P1", "W1", 9, 4),                              # 5 available = 5
        StockLevel("P2", "W2", 1),                                 # 1 available = 1
        StockLevel("P5", "W1", 3, 3), StockLevel("P5", "W2", 3),   # 3 available > 2
        StockLevel("P6", "W1", 6, 1),                              # 5 available < 6
    )  # fmt: skip


@pytest.mark.parametrize(
    ("below", "expected"),
    [(True, ["P1", "P2", "P4", "P6", "P7"]), (False, ["P0", "P5"])],
)
def test_below_reorder_compares_total_available_with_the_reorder_point(
    storage: Storage, below: bool, expected: list[str]
) -> None:
    _stocked_catalog(storage)

    with reading(storage) as uow:
        found = uow.products.fetch_page(ProductFilter(below_reorder=below), PageSpec("sku"))

    assert [p.sku for p in found] == expected


def test_low_stock_lists_active_products_with_a_point_at_or_above_available(
    storage: Storage,
) -> None:
    _stocked_catalog(storage)

    with reading(storage) as uow:
        rows = list(uow.products.low_stock())

    assert rows == [
        LowStockRow("P1", "Washer", 5, 5, 0),
        LowStockRow("P2", "hex NUT", 1, 1, 0),
        LowStockRow("P4", "Washer", 0, 8, 0),
        LowStockRow("P6", "Hex bolt", 5, 6, 0),
    ]


def test_every_product_streams_by_sku_archived_ones_too(storage: Storage) -> None:
    catalog = _catalog(storage)

    with reading(storage) as uow:
        assert list(uow.products.stream()) == sorted(catalog, key=lambda p: p.sku)
