"""Field errors named by the command-line options that supplied the fields."""

from __future__ import annotations

import argparse

import pytest

from inventory.domain.errors import FieldError
from inventory.entrypoints.cli.arguments import order_line
from inventory.entrypoints.cli.flags import SUPPLIED_BY, Flags


def _flags(*argv: str, supplied_by: dict[str, str] | None = None) -> Flags:
    parser = argparse.ArgumentParser()
    parser.add_argument("sku_or_id")
    parser.add_argument("--sku")
    parser.add_argument("--from", dest="from_warehouse")
    parser.add_argument("--to", dest="to_warehouse")
    parser.add_argument("--counted", dest="counted_quantity", type=int)
    parser.add_argument("--unit-cost")
    parser.add_argument("--line", dest="lines", action="append", type=order_line)
    parser.add_argument("-o", "--output")
    parser.add_argument("--since")
    args = parser.parse_args(["X", *argv])
    if supplied_by is not None:
        setattr(args, SUPPLIED_BY, supplied_by)
    return Flags(parser, args)


@pytest.mark.parametrize(
    ("field", "flag"),
    [
        ("to_warehouse", "--to"),
        ("from_warehouse", "--from"),
        ("counted_quantity", "--counted"),
        ("unit_cost", "--unit-cost"),
        ("sku", "--sku"),
        ("output", "--output"),
        ("params.since", "--since"),
        ("lines", "--line"),
        ("lines.1.quantity", "--line B:0 (quantity)"),
        ("lines.0", "--line A:1"),
        ("lines.7.sku", "--line (7.sku)"),
        ("type", "type"),
        ("", ""),
    ],
)
def test_a_field_is_named_by_the_option_that_supplied_it(field: str, flag: str) -> None:
    flags = _flags("--line", "A:1", "--line", "B:0")

    assert flags.field(field) == flag


def test_fields_named_in_a_message_become_options_but_plain_words_stay() -> None:
    flags = _flags()

    assert flags.message("must differ from from_warehouse") == "must differ from --from"
    assert flags.message("sku 'A' appears twice") == "sku 'A' appears twice"
    assert flags.error(FieldError("to_warehouse", "must differ from from_warehouse")) == (
        FieldError("--to", "must differ from --from")
    )


def test_a_handler_may_say_how_a_field_was_given() -> None:
    flags = _flags(supplied_by={"name": "--clear name"})

    assert flags.field("name") == "--clear name"


def test_a_handler_may_name_a_member_of_an_object_or_of_every_item() -> None:
    flags = _flags(
        "--line", "A:1",
        supplied_by={"lot.expires_on": "--expires", "lines.*.lot": "--lot"},
    )  # fmt: skip

    assert flags.field("lot.expires_on") == "--expires"
    assert flags.field("lines.0.lot") == "--lot"
    assert flags.field("lines.0.quantity") == "--line A:1 (quantity)"
    assert flags.message("must not be after lot.expires_on") == "must not be after --expires"


def test_a_detail_about_one_field_is_named_by_its_option() -> None:
    flags = _flags()

    assert flags.detail("to_warehouse: location 'X' not found") == "--to: location 'X' not found"
    assert flags.detail("W in MAIN: wanted 1") == "W in MAIN: wanted 1"
