"""Use cases of locations: add, show, list, patch and archive (API.md §11)."""

from __future__ import annotations

import pytest

from inventory.application.catalog import add_warehouse
from inventory.application.commands import CreateLocation, CreateWarehouse, PatchLocation
from inventory.application.listing import LocationList
from inventory.application.locations import (
    add_location,
    archive_location,
    get_location,
    list_locations,
    patch_location,
)
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.locations import DEFAULT_LOCATION, LocationKind
from tests.factories import T0
from tests.unit.stories import Shop, given_warehouse

WH = "WH-MAIN"


def add(shop: Shop, code: str, **fields: object) -> None:
    add_location(
        WH, CreateLocation.model_validate({"code": code, **fields}), shop.uow(), shop.clock
    )


def codes(shop: Shop, **query: object) -> list[str]:
    page = list_locations(WH, LocationList.model_validate(query), shop.uow())
    return [location.code for location in page.items]


@pytest.fixture
def warehouse(shop: Shop) -> Shop:
    given_warehouse(shop, WH)
    return shop


def test_a_warehouse_opens_with_its_default_location(warehouse: Shop) -> None:
    default = get_location(WH, DEFAULT_LOCATION, warehouse.uow())

    assert (default.kind, default.pickable, default.archived) == (LocationKind.BIN, True, False)
    assert default.created_at == T0
    with warehouse.uow().reading() as uow:
        assert uow.locations.default_of(WH) == DEFAULT_LOCATION


def test_a_warehouse_may_name_its_default(shop: Shop) -> None:
    cmd = CreateWarehouse(code="EAST", name="East", default_location="DOCK")
    add_warehouse(cmd, shop.uow(), shop.clock)

    with shop.uow().reading() as uow:
        assert uow.locations.default_of("EAST") == "DOCK"
        assert uow.locations.get("EAST", DEFAULT_LOCATION) is None


def test_a_location_is_stored_with_the_clock_time(warehouse: Shop) -> None:
    add(warehouse, "Z", kind="zone", name="Zone", pickable=False, barcode="Z-1")

    zone = get_location(WH, "Z", warehouse.uow())

    assert (zone.kind, zone.name, zone.pickable, zone.barcode) == (
        LocationKind.ZONE, "Zone", False, "Z-1",
    )  # fmt: skip
    assert zone.created_at == warehouse.clock()


def test_a_code_taken_in_another_case_is_a_conflict_naming_it(warehouse: Shop) -> None:
    add(warehouse, "Bin-1")

    with pytest.raises(Conflict, match=r"'Bin-1' already exists.*unique ignoring case"):
        add(warehouse, "BIN-1")


def test_unknown_warehouse_location_or_parent_is_not_found(warehouse: Shop) -> None:
    with pytest.raises(NotFound, match="warehouse 'NOPE'"):
        add_location("NOPE", CreateLocation(code="A"), warehouse.uow(), warehouse.clock)
    with pytest.raises(NotFound, match="location 'A'"):
        get_location(WH, "A", warehouse.uow())
    with pytest.raises(NotFound, match="location 'NOPE'"):
        add(warehouse, "A", parent="NOPE")
    assert codes(warehouse) == [DEFAULT_LOCATION]


def test_a_barcode_on_another_location_is_a_conflict(warehouse: Shop) -> None:
    add(warehouse, "A", barcode="X")
    add(warehouse, "B")

    with pytest.raises(Conflict, match="barcode 'X' already names location 'A'"):
        patch_location(WH, "B", PatchLocation(barcode="X"), warehouse.uow())
    # Its own barcode again is no conflict.
    assert patch_location(WH, "A", PatchLocation(barcode="X"), warehouse.uow()).barcode == "X"


def test_a_parent_that_makes_a_cycle_is_a_conflict(warehouse: Shop) -> None:
    add(warehouse, "Z", kind="zone")
    add(warehouse, "S", kind="shelf", parent="Z")

    with pytest.raises(Conflict, match="cycle"):
        patch_location(WH, "Z", PatchLocation(parent="S"), warehouse.uow())
    with pytest.raises(Conflict, match="cycle"):
        patch_location(WH, "Z", PatchLocation(parent="Z"), warehouse.uow())
    assert get_location(WH, "Z", warehouse.uow()).parent is None


def test_a_patch_with_nulls_returns_fields_to_their_defaults(warehouse: Shop) -> None:
    add(warehouse, "Z", kind="zone")
    add(warehouse, "B", name="Bin", parent="Z", pickable=False, barcode="B1")
    patch = PatchLocation.model_validate({"name": None, "pickable": None, "parent": None})

    patched = patch_location(WH, "B", patch, warehouse.uow())

    assert (patched.name, patched.pickable, patched.parent, patched.barcode) == (
        "", True, None, "B1",
    )  # fmt: skip
    assert get_location(WH, "B", warehouse.uow()) == patched


def test_the_list_filters(warehouse: Shop) -> None:
    add(warehouse, "Z", kind="zone", pickable=False)
    add(warehouse, "A-1", parent="Z")
    add(warehouse, "a-2", parent="Z")

    assert codes(warehouse) == ["A-1", DEFAULT_LOCATION, "Z", "a-2"]
    assert codes(warehouse, q="A-") == ["A-1", "a-2"]
    assert codes(warehouse, parent="Z") == ["A-1", "a-2"]
    assert codes(warehouse, kind="zone", pickable=False) == ["Z"]


def test_the_default_and_a_location_with_open_children_cannot_be_archived(
    warehouse: Shop,
) -> None:
    add(warehouse, "Z", kind="zone")
    add(warehouse, "B", parent="Z")

    with pytest.raises(Conflict, match="default"):
        archive_location(WH, DEFAULT_LOCATION, warehouse.uow())
    with pytest.raises(Conflict, match="still holds locations B"):
        archive_location(WH, "Z", warehouse.uow())

    assert archive_location(WH, "B", warehouse.uow()).archived
    assert archive_location(WH, "Z", warehouse.uow()).archived
    # Archiving again changes nothing; an archived location takes no new locations.
    assert archive_location(WH, "Z", warehouse.uow()).archived
    with pytest.raises(Conflict, match="archived"):
        add(warehouse, "C", parent="Z")
