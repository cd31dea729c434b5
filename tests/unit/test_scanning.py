"""What a scan means and what the scan endpoint answers (API.md §13)."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.domain.gs1 import GS, ElementString, Gs1Error
from inventory.domain.locations import Location
from inventory.domain.packs import Pack, Units
from inventory.domain.scanning import (
    Reading,
    ScanAnswer,
    ScanKind,
    answer_for_location,
    answer_for_product,
    readings,
)

TODAY = date(2026, 12, 7)
CASE = Pack("case", 12, "09506000134352")
UNITS = Units.of("bottle", (CASE,))


def test_a_plain_code_is_one_reading_looked_up_as_given() -> None:
    assert readings("BIN-A1", TODAY) == (Reading("BIN-A1"),)


@pytest.mark.parametrize("code", ["96385074", "036000291452", "6291041500213"])
def test_a_plain_gtin_is_looked_up_as_14_digits(code: str) -> None:
    assert readings(code, TODAY) == (Reading(code.zfill(14)),)


def test_a_bracketed_element_string_is_looked_up_by_its_gtin() -> None:
    element = ElementString("09506000134352", "ABC123", date(2026, 12, 31), "X1")

    assert readings("(01)09506000134352(10)ABC123(17)261231(21)X1", TODAY) == (
        Reading("09506000134352", element),
    )


def test_a_raw_element_string_with_fnc1_is_read_the_same() -> None:
    (reading,) = readings(f"{GS}01095060001343521726123110ABC123", TODAY)

    assert reading.element == ElementString("09506000134352", "ABC123", date(2026, 12, 31))


def test_an_element_string_without_a_gtin_has_nothing_to_look_up() -> None:
    assert readings("(10)ABC", TODAY) == (Reading(None, ElementString(lot="ABC")),)


def test_a_malformed_marked_element_string_is_refused() -> None:
    with pytest.raises(Gs1Error, match="check digit"):
        readings("(01)09506000134353", TODAY)


def test_an_unmarked_string_that_reads_as_gs1_data_is_tried_after_the_plain_code() -> None:
    code = "01095060001343521726123110ABC"

    assert readings(code, TODAY) == (
        Reading(code),
        Reading("09506000134352", ElementString("09506000134352", "ABC", date(2026, 12, 31))),
    )


@pytest.mark.parametrize("code", ["0109506000134353", "0112345678901234", "01ABCDEFGHIJKLMN99"])
def test_an_unmarked_string_that_is_not_gs1_data_is_only_a_plain_code(code: str) -> None:
    assert readings(code, TODAY) == (Reading(code),)


def test_a_product_scanned_by_its_own_barcode_is_one_base_unit() -> None:
    assert answer_for_product("WATER", UNITS, None) == ScanAnswer(
        ScanKind.PRODUCT, "WATER", "bottle", 1
    )


def test_a_pack_scanned_by_its_barcode_holds_its_base_units() -> None:
    assert answer_for_product("WATER", UNITS, CASE) == ScanAnswer(
        ScanKind.PACK, "WATER", "case", 12
    )


def test_an_element_string_with_a_lot_answers_the_lot_as_read() -> None:
    element = ElementString(CASE.barcode, "NEW-LOT", date(2027, 5, 31))

    assert answer_for_product("WATER", UNITS, CASE, element) == ScanAnswer(
        ScanKind.LOT, "WATER", "case", 12, lot="NEW-LOT", expires_on=date(2027, 5, 31)
    )


def test_an_element_string_with_a_serial_answers_the_serial() -> None:
    element = ElementString("09506000134352", "L1", serial="X1")

    answer = answer_for_product("DRILL", Units.of("each"), None, element)

    assert (answer.kind, answer.serial, answer.lot, answer.quantity) == (
        ScanKind.SERIAL,
        "X1",
        "L1",
        1,
    )


def test_a_count_multiplies_what_one_scanned_item_holds() -> None:
    element = ElementString(CASE.barcode, count=5)

    answer = answer_for_product("WATER", UNITS, CASE, element)

    assert (answer.kind, answer.quantity) == (ScanKind.PACK, 60)


def test_a_location_scanned_by_its_barcode() -> None:
    assert answer_for_location(Location("WH-1", "B-07", barcode="LOC7")) == ScanAnswer(
        ScanKind.LOCATION, warehouse="WH-1", location="B-07"
    )


def test_the_answer_has_exactly_the_fields_of_the_contract() -> None:
    assert list(ScanAnswer.__dataclass_fields__) == [
        "kind",
        "sku",
        "unit",
        "quantity",
        "warehouse",
        "location",
        "lot",
        "expires_on",
        "serial",
    ]
    assert [kind.value for kind in ScanKind] == ["product", "pack", "location", "lot", "serial"]


@pytest.mark.parametrize(
    ("code", "barcode"),
    [
        ("]E06291041500213", "06291041500213"),  # an EAN-13 with its symbology identifier
        ("]E496385074", "00000096385074"),  # an EAN-8
        ("]A0BIN-A1", "BIN-A1"),  # Code 39
    ],
)
def test_another_symbologys_identifier_is_dropped_from_a_plain_code(
    code: str, barcode: str
) -> None:
    assert readings(code, TODAY) == (Reading(barcode),)
