"""The scan use case: a scanned code resolved to a product or a location by barcode (API.md §13)."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.application.catalog import archive_product
from inventory.application.commands import CreateLocation
from inventory.application.locations import add_location
from inventory.application.scanning import scan
from inventory.domain.errors import NotFound, ValidationFailed
from inventory.domain.gs1 import GS
from inventory.domain.locations import Location
from inventory.domain.scanning import ScanAnswer, ScanKind
from tests.unit.stories import Shop, given_product, given_warehouse

WATER = "6291041500213"  # a GTIN-13, stored as printed on the bottle


def test_a_plain_barcode_names_its_product(shop: Shop) -> None:
    given_product(shop, "CABLE", unit="metre", barcode="CAB-001")

    assert scan("CAB-001", shop.uow(), shop.clock) == ScanAnswer(
        ScanKind.PRODUCT, "CABLE", "metre", 1
    )


@pytest.mark.parametrize("scanned", [WATER, "0" + WATER, f"(01)0{WATER}", f"]E0{WATER}"])
def test_a_gtin_matches_a_stored_gtin_of_another_length(shop: Shop, scanned: str) -> None:
    given_product(shop, "WATER", unit="bottle", barcode=WATER)

    assert scan(scanned, shop.uow(), shop.clock) == ScanAnswer(
        ScanKind.PRODUCT, "WATER", "bottle", 1
    )


def test_a_gtin_8_stored_is_found_by_its_gtin_14(shop: Shop) -> None:
    given_product(shop, "GUM", barcode="96385074")

    assert scan("00000096385074", shop.uow(), shop.clock).sku == "GUM"


def test_what_the_element_string_carries_is_answered_as_read(shop: Shop) -> None:
    given_product(shop, "WATER", unit="bottle", barcode=WATER)

    answer = scan(f"(01)0{WATER}(17)270600(10)NEW-LOT(30)6", shop.uow(), shop.clock)

    assert answer == ScanAnswer(
        ScanKind.LOT, "WATER", "bottle", 6, lot="NEW-LOT", expires_on=date(2027, 6, 30)
    )


def test_a_raw_element_string_with_fnc1_and_a_serial(shop: Shop) -> None:
    given_product(shop, "DRILL", barcode="09506000134352")

    answer = scan(f"]C10109506000134352{GS}21SN-7{GS}10L1", shop.uow(), shop.clock)

    assert answer == ScanAnswer(ScanKind.SERIAL, "DRILL", "each", 1, lot="L1", serial="SN-7")


def test_an_unmarked_gs1_string_is_read_as_one_when_no_barcode_is_it(shop: Shop) -> None:
    given_product(shop, "DRILL", barcode="09506000134352")

    answer = scan("010950600013435217261231", shop.uow(), shop.clock)

    assert answer.sku == "DRILL"
    assert answer.expires_on == date(2026, 12, 31)


def test_a_product_whose_barcode_looks_like_gs1_data_is_found_by_it(shop: Shop) -> None:
    given_product(shop, "ODD", barcode="0109506000134352")
    given_product(shop, "DRILL", barcode="09506000134352")

    assert scan("0109506000134352", shop.uow(), shop.clock).sku == "ODD"


def test_an_archived_product_is_still_named(shop: Shop) -> None:
    given_product(shop, "OLD", barcode="OLD-1")
    archive_product("OLD", shop.uow(), shop.clock)

    assert scan("OLD-1", shop.uow(), shop.clock).sku == "OLD"


def test_a_wrong_check_digit_in_an_element_string_is_refused_on_the_code(shop: Shop) -> None:
    given_product(shop, "WATER", barcode=WATER)

    with pytest.raises(ValidationFailed) as refused:
        scan("(01)06291041500214", shop.uow(), shop.clock)

    assert [error.field for error in refused.value.errors] == ["code"]
    assert "check digit" in refused.value.errors[0].message


@pytest.mark.parametrize(
    "code",
    [
        "NOPE",
        "6291041500214",  # a wrong check digit in a plain code: just another barcode
        "(10)LOT-ONLY",  # no GTIN: nothing to look up until lots are stored
        "0129506000134352",
    ],
)
def test_a_code_that_names_nothing_is_not_found(shop: Shop, code: str) -> None:
    given_product(shop, "WATER", barcode=WATER)

    with pytest.raises(NotFound, match="barcode"):
        scan(code, shop.uow(), shop.clock)


def test_a_plain_code_is_matched_exactly_not_padded(shop: Shop) -> None:
    given_product(shop, "A", barcode="12345")

    with pytest.raises(NotFound):
        scan("0012345", shop.uow(), shop.clock)


def test_a_location_is_named_by_its_barcode(shop: Shop) -> None:
    given_warehouse(shop, "MAIN")
    add_location("MAIN", CreateLocation(code="A-01-B1", barcode="LOC-0042"), shop.uow(), shop.clock)

    assert scan("LOC-0042", shop.uow(), shop.clock) == ScanAnswer(
        ScanKind.LOCATION, warehouse="MAIN", location="A-01-B1"
    )


def test_a_product_barcode_wins_over_a_location_stored_with_the_same_one(shop: Shop) -> None:
    # Only data stored before barcodes were unique across kinds can hold this.
    given_warehouse(shop, "MAIN")
    given_product(shop, "CABLE", barcode="SAME-1")
    with shop.uow() as uow:
        uow.locations.add(Location("MAIN", "B-1", barcode="SAME-1", created_at=shop.clock()))
        uow.commit()

    assert scan("SAME-1", shop.uow(), shop.clock).kind is ScanKind.PRODUCT


def test_gs1_data_never_names_a_location(shop: Shop) -> None:
    given_warehouse(shop, "MAIN")
    add_location("MAIN", CreateLocation(code="B-1", barcode=f"0{WATER}"), shop.uow(), shop.clock)

    with pytest.raises(NotFound):
        scan(f"(01)0{WATER}", shop.uow(), shop.clock)
