"""Commands: what a client may send, refused field by field when it is wrong."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from inventory.application.commands import (
    MOVEMENT_COMMAND,
    AdjustStock,
    CreateApiKey,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    PatchProduct,
    ProductFields,
    ReceiveStock,
    ReserveOrder,
    TransferStock,
)
from inventory.application.errors import InvalidRequest
from inventory.application.listing import MovementList, ProductList
from inventory.application.validation import parse, parse_as, parse_query
from inventory.domain.errors import FieldError, ValidationFailed
from inventory.domain.keys import Role

RECEIPT = {"sku": "SKU-1", "warehouse": "WH-MAIN", "quantity": 3, "unit_cost": "1.0000"}
ORDER = {"reference": "SO-1", "warehouse": "WH-MAIN", "lines": [{"sku": "A", "quantity": 1}]}


def _fields(model: Any, data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        parse(model, data)
    return [error.field for error in refused.value.errors]


def test_an_unknown_field_is_refused_by_name() -> None:
    assert _fields(CreateProduct, {"sku": "A", "name": "a", "colour": "red"}) == ["colour"]
    assert _fields(ReceiveStock, {**RECEIPT, "price": "1"}) == ["price"]
    assert _fields(ReserveOrder, {**ORDER, "lines": [{"sku": "A", "quantity": 1, "x": 1}]}) == [
        "lines.0.x"
    ]


def test_every_bad_field_is_named_at_once() -> None:
    assert sorted(_fields(ReceiveStock, {**RECEIPT, "quantity": 0, "unit_cost": 1.5})) == [
        "quantity",
        "unit_cost",
    ]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("12.5", "12.5"), ("12.5000", "12.5000"), ("0", "0"), ("0.0001", "0.0001"),
     ("999999999999999.9999", "999999999999999.9999")],
)  # fmt: skip
def test_money_is_a_decimal_string_with_up_to_four_places(text: str, amount: str) -> None:
    receipt = parse(ReceiveStock, {**RECEIPT, "unit_cost": text})

    assert receipt.unit_cost == Decimal(amount)
    assert receipt.model_dump(mode="json")["unit_cost"] == f"{Decimal(amount):.4f}"


@pytest.mark.parametrize(
    "bad",
    [1.5, 2, True, None, "1.23456", "12.50000", "-1", "-0.5", "1e3", ".5", "5.", "", " 5",
     "1,5", "NaN", "Infinity"],
)  # fmt: skip
def test_money_that_is_not_a_decimal_string_with_up_to_four_places_is_refused(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(ReceiveStock, {**RECEIPT, "unit_cost": bad})

    assert [e.field for e in refused.value.errors] == ["unit_cost"]
    assert "decimal string" in refused.value.errors[0].message


@pytest.mark.parametrize("bad", ["1234567890123456", "1000000000000000.0001", Decimal("1E+30")])
def test_money_over_the_maximum_says_the_maximum(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(ReceiveStock, {**RECEIPT, "unit_cost": bad})

    assert refused.value.errors == (
        FieldError("unit_cost", "must be at most 999999999999999.9999"),
    )


@pytest.mark.parametrize("bad", ["12.5\n", "\u0661\u0662"])
def test_money_with_a_trailing_newline_or_non_ascii_digits_is_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        parse(ReceiveStock, {**RECEIPT, "unit_cost": bad})


@pytest.mark.parametrize("bad", [Decimal("Infinity"), Decimal("1E+30")])
def test_an_unrepresentable_decimal_amount_is_a_validation_error(bad: Decimal) -> None:
    with pytest.raises(ValidationFailed):
        parse(ReceiveStock, {**RECEIPT, "unit_cost": bad})


def test_an_exact_decimal_amount_is_accepted_from_code() -> None:
    assert parse(ReceiveStock, {**RECEIPT, "unit_cost": Decimal("3.25")}).unit_cost == Decimal(
        "3.25"
    )


@pytest.mark.parametrize("bad", ["3", 3.0, True, 0, -1, None])
def test_quantities_are_strictly_positive_integers(bad: object) -> None:
    assert _fields(ReceiveStock, {**RECEIPT, "quantity": bad}) == ["quantity"]
    assert _fields(ReserveOrder, {**ORDER, "lines": [{"sku": "A", "quantity": bad}]}) == [
        "lines.0.quantity"
    ]


@pytest.mark.parametrize("field", ["quantity", "counted_quantity"])
def test_a_quantity_too_large_to_store_is_refused(field: str) -> None:
    count = {"sku": "A", "warehouse": "W", "reason": "count", "counted_quantity": 1}
    body = (
        {"type": "adjustment", **count}
        if field == "counted_quantity"
        else {"type": "receipt", **RECEIPT}
    )

    with pytest.raises(ValidationFailed):
        parse_as(MOVEMENT_COMMAND, {**body, field: 2**63})


def test_a_count_may_be_zero_but_not_negative() -> None:
    count = {"sku": "A", "warehouse": "W", "reason": "count"}

    assert parse(AdjustStock, {**count, "counted_quantity": 0}).counted_quantity == 0
    assert _fields(AdjustStock, {**count, "counted_quantity": -1}) == ["counted_quantity"]
    assert _fields(AdjustStock, {**count, "counted_quantity": "4"}) == ["counted_quantity"]


@pytest.mark.parametrize("code", ["A", "a1", "SKU-1", "sku_1.v2", "9", "A" * 64])
def test_a_sku_or_warehouse_code_follows_the_pattern(code: str) -> None:
    assert parse(CreateProduct, {"sku": code, "name": "x"}).sku == code
    assert parse(CreateWarehouse, {"code": code, "name": "x"}).code == code


@pytest.mark.parametrize(
    "code", ["", "-A", ".A", "_A", "A B", "A/B", "A\n", "\u00e9", "\uff21", "A" * 65, 12]
)
def test_a_sku_or_warehouse_code_off_the_pattern_is_refused(code: object) -> None:
    assert _fields(CreateProduct, {"sku": code, "name": "x"}) == ["sku"]
    assert _fields(CreateWarehouse, {"code": code, "name": "x"}) == ["code"]


def test_names_are_one_to_two_hundred_characters() -> None:
    assert parse(CreateProduct, {"sku": "A", "name": "n" * 200}).name == "n" * 200
    assert _fields(CreateProduct, {"sku": "A", "name": ""}) == ["name"]
    assert _fields(CreateProduct, {"sku": "A", "name": "n" * 201}) == ["name"]
    assert _fields(CreateProduct, {"sku": "A"}) == ["name"]


def test_reorder_figures_are_non_negative_integers() -> None:
    assert _fields(CreateProduct, {"sku": "A", "name": "a", "reorder_point": -1}) == [
        "reorder_point"
    ]
    assert _fields(CreateProduct, {"sku": "A", "name": "a", "reorder_quantity": "5"}) == [
        "reorder_quantity"
    ]


def test_an_order_names_each_sku_once() -> None:
    lines = [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}, {"sku": "A", "quantity": 2}]

    with pytest.raises(ValidationFailed) as refused:
        parse(ReserveOrder, {**ORDER, "lines": lines})

    assert refused.value.errors == (FieldError("lines", "sku 'A' appears twice (lines 0 and 2)"),)


def test_an_order_has_one_to_five_hundred_lines() -> None:
    many = [{"sku": f"S{n}", "quantity": 1} for n in range(501)]

    assert len(parse(ReserveOrder, {**ORDER, "lines": many[:500]}).lines) == 500
    assert _fields(ReserveOrder, {**ORDER, "lines": many}) == ["lines"]
    assert _fields(ReserveOrder, {**ORDER, "lines": []}) == ["lines"]


def test_an_order_reference_is_one_to_sixty_four_characters() -> None:
    assert _fields(ReserveOrder, {**ORDER, "reference": ""}) == ["reference"]
    assert _fields(ReserveOrder, {**ORDER, "reference": "R" * 65}) == ["reference"]


def test_an_order_deadline_must_carry_a_time_zone() -> None:
    order = parse(ReserveOrder, {**ORDER, "expires_at": "2026-11-26T19:25:20.123456Z"})

    assert order.expires_at is not None
    assert order.expires_at.utcoffset() is not None
    assert _fields(ReserveOrder, {**ORDER, "expires_at": "2026-11-26T19:25:20"}) == ["expires_at"]
    assert _fields(ReserveOrder, {**ORDER, "expires_at": datetime(2026, 11, 26)}) == ["expires_at"]


def test_a_transfer_needs_two_different_warehouses() -> None:
    with pytest.raises(ValidationFailed, match="to_warehouse: must differ from from_warehouse"):
        parse(
            TransferStock,
            {"sku": "A", "from_warehouse": "W", "to_warehouse": "W", "quantity": 1},
        )


def test_an_adjustment_gives_one_of_the_known_reasons() -> None:
    base = {"sku": "A", "warehouse": "W", "counted_quantity": 1}

    assert [parse(AdjustStock, {**base, "reason": r}).reason for r in ("count", "loss")] == [
        "count",
        "loss",
    ]
    assert _fields(AdjustStock, {**base, "reason": "theft"}) == ["reason"]


@pytest.mark.parametrize(
    ("body", "model"),
    [
        ({"type": "receipt", **RECEIPT}, ReceiveStock),
        ({"type": "issue", "sku": "A", "warehouse": "W", "quantity": 1}, IssueStock),
        ({"type": "transfer", "sku": "A", "from_warehouse": "V", "to_warehouse": "W",
          "quantity": 1}, TransferStock),
        ({"type": "adjustment", "sku": "A", "warehouse": "W", "counted_quantity": 0,
          "reason": "count"}, AdjustStock),
    ],
)  # fmt: skip
def test_a_movement_body_is_read_by_its_type(body: dict[str, Any], model: type) -> None:
    assert isinstance(parse_as(MOVEMENT_COMMAND, body), model)


def test_a_movement_error_names_the_field_not_the_type_tag() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_as(MOVEMENT_COMMAND, {"type": "receipt", **RECEIPT, "quantity": 0})

    assert [e.field for e in refused.value.errors] == ["quantity"]
    assert refused.value.detail.startswith("quantity: ")


def test_a_movement_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        parse_as(MOVEMENT_COMMAND, {"type": "theft", "sku": "A"})
    with pytest.raises(ValidationFailed):
        parse_as(MOVEMENT_COMMAND, {"sku": "A"})


def test_a_receipt_body_may_not_claim_another_type() -> None:
    assert _fields(ReceiveStock, {**RECEIPT, "type": "issue"}) == ["type"]


def test_full_product_fields_default_every_optional_field() -> None:
    details = ProductFields(name="Bolt").details()

    assert (details.description, details.category, details.unit, details.barcode) == (
        "",
        "",
        "each",
        None,
    )
    assert (details.reorder_point, details.reorder_quantity) == (0, 0)


def test_a_merge_patch_lists_only_the_fields_it_names_with_nulls_at_their_defaults() -> None:
    patch = parse(PatchProduct, {"unit": None, "category": "tools", "barcode": None})

    assert patch.changes() == {"unit": "each", "category": "tools", "barcode": None}


def test_a_merge_patch_refuses_unknown_and_read_only_fields() -> None:
    assert _fields(PatchProduct, {"average_cost": "1.0000"}) == ["average_cost"]
    assert _fields(PatchProduct, {"sku": "B"}) == ["sku"]


def test_an_api_key_has_a_name_and_a_known_role() -> None:
    assert parse(CreateApiKey, {"name": "till 1", "role": "clerk"}).role is Role.CLERK
    assert _fields(CreateApiKey, {"name": "till 1", "role": "owner"}) == ["role"]
    assert _fields(CreateApiKey, {"name": "", "role": "viewer"}) == ["name"]


def test_bad_list_parameters_are_a_bad_request_not_a_validation_error() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_query(ProductList, {"limit": "0", "archived": "maybe"})

    assert sorted(e.field for e in refused.value.errors) == ["archived", "limit"]


def test_list_parameters_arrive_as_query_text() -> None:
    params = parse_query(
        MovementList, {"limit": "500", "since": "2026-01-01T00:00:00Z", "type": "issue"}
    )

    assert (params.limit, params.type) == (500, "issue")
    assert params.since is not None
    assert params.since.utcoffset() is not None
