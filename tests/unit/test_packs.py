"""Packs and exact conversion to base units (API.md §13)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.errors import ValidationFailed
from inventory.domain.packs import Entered, Pack, Units
from inventory.domain.stock import MAX_UNITS

BOTTLES = Units.of("bottle", (Pack("case", 12, "96385074"), Pack("pallet", 720)))


def test_a_quantity_in_packs_becomes_base_units() -> None:
    assert BOTTLES.to_base(Entered("case", 3)) == 36
    assert BOTTLES.to_base(Entered("pallet", 2)) == 1440
    assert BOTTLES.to_base(Entered("bottle", 5)) == 5


def test_base_units_split_into_whole_packs_and_a_remainder() -> None:
    assert BOTTLES.in_unit(50, "case") == (4, 2)
    assert BOTTLES.in_unit(720, "pallet") == (1, 0)
    assert BOTTLES.in_unit(0, "case") == (0, 0)
    assert BOTTLES.in_unit(7, "bottle") == (7, 0)


def test_base_units_are_never_negative() -> None:
    with pytest.raises(ValueError, match="never negative"):
        BOTTLES.in_unit(-1, "case")


def test_an_unknown_unit_is_refused_naming_the_units_there_are() -> None:
    with pytest.raises(ValidationFailed) as caught:
        BOTTLES.to_base(Entered("crate", 1))

    assert caught.value.errors[0].field == "unit"
    assert "'bottle', 'case', 'pallet'" in caught.value.errors[0].message


def test_units_are_matched_exactly() -> None:
    with pytest.raises(ValidationFailed, match="unknown unit 'Case'"):
        BOTTLES.per("Case")


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_below_one_is_refused(quantity: int) -> None:
    with pytest.raises(ValidationFailed, match="below 1") as caught:
        BOTTLES.to_base(Entered("case", quantity))

    assert caught.value.errors[0].field == "quantity"


def test_a_counted_quantity_may_be_zero() -> None:
    assert BOTTLES.to_base(Entered("case", 0), minimum=0) == 0


def test_a_quantity_that_would_exceed_what_a_level_holds_is_refused() -> None:
    assert BOTTLES.to_base(Entered("bottle", MAX_UNITS)) == MAX_UNITS

    with pytest.raises(ValidationFailed, match="more than the"):
        BOTTLES.to_base(Entered("case", MAX_UNITS // 12 + 1))


@pytest.mark.parametrize(
    ("packs", "fields"),
    [
        ((Pack("single", 1),), ["packs.0.quantity"]),
        ((Pack("none", 0),), ["packs.0.quantity"]),
        ((Pack("minus", -6),), ["packs.0.quantity"]),
        ((Pack("huge", MAX_UNITS + 1),), ["packs.0.quantity"]),
        ((Pack("case", 6), Pack("case", 12)), ["packs.1.unit"]),
        ((Pack("case", 6), Pack("CASE", 12)), ["packs.1.unit"]),  # ignoring case
        ((Pack("Bottle", 6),), ["packs.0.unit"]),  # the base unit
        (
            (Pack("case", 6, "96385074"), Pack("tray", 4, "00000096385074")),
            ["packs.1.barcode"],  # one GTIN, padded differently
        ),
        (
            (Pack("one", 1), Pack("one", 0)),
            ["packs.0.quantity", "packs.1.quantity", "packs.1.unit"],
        ),
    ],
)
def test_packs_that_api_md_refuses_are_refused_each_named(
    packs: tuple[Pack, ...], fields: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Units.of("bottle", packs)

    assert [error.field for error in caught.value.errors] == fields


def test_packs_may_share_no_barcode_but_may_each_have_none() -> None:
    units = Units.of("each", (Pack("box", 10), Pack("crate", 100), Pack("tray", 5, "ABC")))

    assert units.per("crate") == 100


def test_a_pack_is_found_by_its_barcode_with_gtins_compared_as_14_digits() -> None:
    assert BOTTLES.by_barcode("00000096385074") == Pack("case", 12, "96385074")
    assert BOTTLES.by_barcode("96385074") == Pack("case", 12, "96385074")
    assert BOTTLES.by_barcode("12345670") is None


# --- properties -----------------------------------------------------------------------------

pack_sizes = st.integers(2, 10**6)


@given(pack_sizes, st.integers(0, 10**9))
def test_whole_packs_and_remainder_give_back_the_base_quantity(size: int, base: int) -> None:
    units = Units.of("each", (Pack("pack", size),))

    whole, left = units.in_unit(base, "pack")

    assert type(whole) is int
    assert type(left) is int
    assert 0 <= left < size
    assert units.to_base(Entered("pack", whole), minimum=0) + left == base


@given(pack_sizes, st.integers(1, 10**9))
def test_packs_to_base_and_back_is_exact(size: int, quantity: int) -> None:
    units = Units.of("each", (Pack("pack", size),))

    base = units.to_base(Entered("pack", quantity))

    assert type(base) is int
    assert units.in_unit(base, "pack") == (quantity, 0)


def test_a_pack_may_not_carry_the_products_own_barcode() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Units.of("bottle", (Pack("case", 12, "96385074"),), barcode="00000096385074")

    assert [error.field for error in caught.value.errors] == ["packs.0.barcode"]
    assert "already the product's or a pack's" in caught.value.errors[0].message


def test_a_product_barcode_unlike_any_pack_barcode_is_fine() -> None:
    units = Units.of("bottle", (Pack("case", 12, "96385074"),), barcode="6291041500213")

    assert units.per("case") == 12


# --- convert: what a movement or order line entered, as base units --------------------------


def test_a_quantity_with_no_unit_is_in_base_units_and_nothing_was_entered() -> None:
    assert BOTTLES.convert(7, None) == (7, None)


def test_a_quantity_with_a_unit_is_converted_and_kept_as_entered() -> None:
    assert BOTTLES.convert(3, "case") == (36, Entered("case", 3))
    assert BOTTLES.convert(3, "bottle") == (3, Entered("bottle", 3))


def test_a_refused_conversion_names_the_field_and_the_unit_beside_it() -> None:
    with pytest.raises(ValidationFailed) as unknown:
        BOTTLES.convert(1, "crate", field="lines.2.quantity")
    with pytest.raises(ValidationFailed) as too_many:
        BOTTLES.convert(10, "pallet", field="lines.0.quantity", maximum=7199)

    assert [error.field for error in unknown.value.errors] == ["lines.2.unit"]
    assert "the product's units are 'bottle', 'case', 'pallet'" in unknown.value.detail
    assert [error.field for error in too_many.value.errors] == ["lines.0.quantity"]
    assert "7200 base units, more than the 7199" in too_many.value.detail


def test_a_count_may_convert_zero_but_a_movement_may_not() -> None:
    assert BOTTLES.convert(0, "case", field="counted_quantity", minimum=0) == (
        0,
        Entered("case", 0),
    )
    with pytest.raises(ValidationFailed):
        BOTTLES.convert(0, "case")


@given(pack_sizes, st.integers(1, 10**12), st.integers(1, 10**15))
def test_conversion_is_exact_or_refused_never_rounded(size: int, quantity: int, limit: int) -> None:
    units = Units.of("each", (Pack("pack", size),))

    if quantity * size > limit:
        with pytest.raises(ValidationFailed) as refused:
            units.convert(quantity, "pack", maximum=limit)
        assert [error.field for error in refused.value.errors] == ["quantity"]
        return
    base, entered = units.convert(quantity, "pack", maximum=limit)

    assert base == quantity * size
    assert entered == Entered("pack", quantity)
    assert units.in_unit(base, "pack") == (quantity, 0)
