"""Text fields refuse control characters, bidirectional overrides and blank names (API.md §1)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from pydantic import BaseModel

from inventory.application.commands import (
    AdjustStock,
    CreateApiKey,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    OrderLineIn,
    PatchProduct,
    ProductFields,
    ReceiveStock,
    ReportParams,
    ReserveOrder,
    TransferStock,
)
from inventory.application.validation import parse
from inventory.domain.errors import ValidationFailed

VALID: dict[type[BaseModel], dict[str, Any]] = {
    CreateProduct: {"sku": "BOLT", "name": "Bolt"},
    ProductFields: {"name": "Bolt"},
    PatchProduct: {},
    CreateWarehouse: {"code": "MAIN", "name": "Main"},
    ReceiveStock: {"sku": "BOLT", "warehouse": "MAIN", "quantity": 1, "unit_cost": "1"},
    IssueStock: {"sku": "BOLT", "warehouse": "MAIN", "quantity": 1},
    TransferStock: {"sku": "BOLT", "from_warehouse": "A", "to_warehouse": "B", "quantity": 1},
    AdjustStock: {"sku": "BOLT", "warehouse": "MAIN", "counted_quantity": 1, "reason": "count"},
    ReserveOrder: {
        "reference": "SO-1",
        "warehouse": "MAIN",
        "lines": [{"sku": "A", "quantity": 1}],
    },
    OrderLineIn: {"sku": "BOLT", "quantity": 1},
    CreateApiKey: {"name": "scanner", "role": "clerk"},
    ReportParams: {},
}

CONTROLS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]
OVERRIDES = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]


def _is_text(schema: dict[str, Any]) -> bool:
    """A string a person writes: not a time, a choice among fixed values, or money."""
    options = schema.get("anyOf", [schema])
    return any(
        o.get("type") == "string" and not {"format", "enum", "const"} & set(o) for o in options
    )


TEXT_FIELDS = [
    (model, name)
    for model in VALID
    for name, schema in model.model_json_schema()["properties"].items()
    if _is_text(schema) and name != "unit_cost"
]
NAMES = [
    (CreateProduct, "name"),
    (PatchProduct, "name"),
    (CreateWarehouse, "name"),
    (CreateApiKey, "name"),
    (ProductFields, "unit"),
]


def _refusal(model: type[BaseModel], field: str, value: str) -> list[str] | None:
    try:
        parse(model, {**VALID[model], field: value})
    except ValidationFailed as refused:
        return [f"{e.field}: {e.message}" for e in refused.errors]
    return None


def test_every_text_field_of_every_command_is_checked() -> None:
    fields = {f"{model.__name__}.{name}" for model, name in TEXT_FIELDS}

    assert {
        "CreateProduct.name", "CreateProduct.description", "CreateProduct.category",
        "CreateProduct.unit", "CreateProduct.barcode", "ReceiveStock.reference",
        "ReceiveStock.note", "TransferStock.note", "ReserveOrder.reference",
        "CreateApiKey.name", "CreateWarehouse.code", "OrderLineIn.sku", "ReportParams.warehouse",
    } <= fields  # fmt: skip


@pytest.mark.parametrize(("model", "field"), TEXT_FIELDS, ids=lambda x: getattr(x, "__name__", x))
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"])
def test_every_text_field_refuses_a_control_character_or_override(
    model: type[BaseModel], field: str, char: str
) -> None:
    refusal = _refusal(model, field, f"ab{char}cd")

    assert refusal is not None
    assert len(refusal) == 1
    assert refusal[0].startswith(f"{field}: ")


@pytest.mark.parametrize("char", [*CONTROLS, *OVERRIDES], ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(("model", "field"), [*NAMES[:1], (ReceiveStock, "note")])
def test_each_control_character_and_override_is_refused_naming_it(
    model: type[BaseModel], field: str, char: str
) -> None:
    refusal = _refusal(model, field, f"Hex{char}bolt")

    assert refusal == [
        f"{field}: must not contain "
        f"{'a bidirectional override' if char in OVERRIDES else 'a control character'} "
        f"(U+{ord(char):04X} at position 3); "
        "control characters and bidirectional overrides are refused"
    ]


@pytest.mark.parametrize(("model", "field"), NAMES, ids=lambda x: getattr(x, "__name__", x))
@pytest.mark.parametrize("blank", [" ", "   ", "\u3000", "\xa0 \u2003"])
def test_a_name_that_is_blank_once_trimmed_is_refused(
    model: type[BaseModel], field: str, blank: str
) -> None:
    assert _refusal(model, field, blank) == [f"{field}: must not be blank"]


@pytest.mark.parametrize(("model", "field"), NAMES, ids=lambda x: getattr(x, "__name__", x))
def test_a_name_with_spaces_around_words_is_kept_as_given(
    model: type[BaseModel], field: str
) -> None:
    assert getattr(parse(model, {**VALID[model], field: " Hex bolt M8 "}), field) == " Hex bolt M8 "


def test_text_of_any_script_and_an_empty_note_are_accepted() -> None:
    receipt = parse(ReceiveStock, {**VALID[ReceiveStock], "note": "", "reference": "Zürich-東京"})

    assert (receipt.note, receipt.reference) == ("", "Zürich-東京")


def test_a_description_may_run_over_lines_but_a_note_may_not() -> None:
    product = parse(CreateProduct, {**VALID[CreateProduct], "description": "Zinc.\r\n\tM8"})

    assert product.description == "Zinc.\r\n\tM8"
    assert _refusal(ReceiveStock, "note", "one\ntwo") is not None
    assert _refusal(CreateProduct, "description", "a\x1bb") is not None


SAMPLES = [*CONTROLS, *OVERRIDES, " ", "\xa0", "\u3000", "\u2028", "\u200b", "\ufeff", "é", "東"]


@pytest.mark.parametrize(("model", "field"), [(CreateProduct, "name"), (ReceiveStock, "note"),
                                              (CreateProduct, "description")])  # fmt: skip
def test_the_documented_pattern_is_the_rule_applied(model: type[BaseModel], field: str) -> None:
    schema = model.model_json_schema()["properties"][field]
    pattern = next(o for o in schema.get("anyOf", [schema]) if o.get("type") == "string")["pattern"]

    for char in SAMPLES:
        for text in (char, f"a{char}b", char * 3):
            documented = re.fullmatch(pattern, text) is not None
            assert documented == (_refusal(model, field, text) is None), (field, text)
