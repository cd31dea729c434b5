"""Product: client-owned details, the average cost, archiving and the version."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.domain.catalog import ProductDetails, patched
from inventory.domain.errors import Conflict
from tests.factories import T0, ProductFactory

LATER = T0 + timedelta(minutes=1)


def test_a_new_product_is_active_has_no_cost_and_is_at_version_one() -> None:
    product = ProductFactory()

    assert (product.archived, str(product.average_cost), product.version) == (False, "0.0000", 1)


def test_revising_the_details_bumps_the_version_and_updated_at() -> None:
    product = ProductFactory(details__name="Bolt")

    product.revise(ProductDetails(name="Bolt M6", unit="box"), LATER)

    assert (product.details.name, product.details.unit) == ("Bolt M6", "box")
    assert (product.version, product.updated_at, product.created_at) == (2, LATER, T0)


def test_revising_to_the_same_details_changes_nothing() -> None:
    product = ProductFactory(details__name="Bolt")

    product.revise(ProductDetails(name="Bolt"), LATER)

    assert (product.version, product.updated_at) == (1, T0)


def test_a_receipt_that_moves_the_average_bumps_the_version() -> None:
    product = ProductFactory(average_cost=Decimal("2.0000"))

    product.revalue(1, 1, Decimal("4.0000"), LATER)

    assert (str(product.average_cost), product.version, product.updated_at) == ("3.0000", 2, LATER)


def test_a_receipt_at_the_current_average_leaves_the_version_alone() -> None:
    product = ProductFactory(average_cost=Decimal("2.0000"))

    product.revalue(5, 5, Decimal("2"), LATER)

    assert (product.version, product.updated_at) == (1, T0)


@pytest.mark.parametrize(("on_hand", "reserved"), [(1, 0), (3, 3)])
def test_a_product_with_stock_cannot_be_archived(on_hand: int, reserved: int) -> None:
    product = ProductFactory(sku="SKU-9")

    with pytest.raises(Conflict, match=f"'SKU-9' still has stock \\(on hand {on_hand}"):
        product.archive(on_hand, reserved, LATER)

    assert not product.archived


def test_archiving_twice_bumps_the_version_once() -> None:
    product = ProductFactory()
    product.archive(0, 0, LATER)

    product.archive(0, 0, LATER + timedelta(minutes=1))

    assert (product.archived, product.version, product.updated_at) == (True, 2, LATER)


def test_an_archived_product_refuses_new_activity() -> None:
    product = ProductFactory(sku="SKU-9", archived=True)

    with pytest.raises(Conflict, match="'SKU-9' is archived"):
        product.ensure_active()


def test_a_merge_patch_replaces_only_the_fields_it_names() -> None:
    details = ProductDetails(name="Bolt", category="fasteners", reorder_point=5)

    result = patched(details, {"category": "", "reorder_quantity": 50})

    assert result == replace(details, category="", reorder_quantity=50)
