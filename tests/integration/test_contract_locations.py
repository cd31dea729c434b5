"""The LocationRepository contract.

Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.application.listing import LOCATION_SORTS
from inventory.application.ports import Storage
from inventory.application.queries import LocationFilter, PageSpec
from inventory.domain.errors import Conflict
from inventory.domain.locations import Location, LocationKind
from tests.factories import T0, LocationFactory
from tests.integration.contract import page_through, reading, warehouses


def stored(storage: Storage, *locations: Location, default: str | None = None) -> None:
    """Warehouses MAIN and WEST with no location, then ``locations`` (``default`` marked as
    MAIN's default)."""
    with storage.unit_of_work() as uow:
        for warehouse in warehouses("MAIN", "WEST"):
            uow.warehouses.add(warehouse)
        for location in locations:
            uow.locations.add(location, default=location.code == default)
        uow.commit()


def test_a_location_comes_back_as_it_was_stored(storage: Storage) -> None:
    bin_ = Location(
        "MAIN", "B-1", LocationKind.STAGING, pickable=False, name="Dock", barcode="L-1",
        created_at=T0 + timedelta(microseconds=1),
    )  # fmt: skip
    stored(storage, bin_)

    with reading(storage) as uow:
        got = uow.locations.get("MAIN", "B-1")
        by_barcode = uow.locations.with_barcode("L-1")

    assert got == bin_
    assert got is not None
    assert got.created_at == T0 + timedelta(microseconds=1)
    assert by_barcode == bin_


def test_the_default_is_the_one_added_as_default(storage: Storage) -> None:
    stored(storage, LocationFactory(code="RECV"), LocationFactory(code="B-1"), default="RECV")

    with reading(storage) as uow:
        assert uow.locations.default_of("MAIN") == "RECV"
        assert uow.locations.default_of("WEST") is None
        default = uow.locations.default_location("MAIN")
        assert default is not None
        assert default.code == "RECV"
        assert default == uow.locations.get("MAIN", "RECV")
        assert uow.locations.default_location("WEST") is None


def test_codes_are_unique_in_a_warehouse_ignoring_case(storage: Storage) -> None:
    stored(storage, LocationFactory(code="B-1"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="'B-1' already exists"):
        uow.locations.add(LocationFactory(code="b-1"))
    with storage.unit_of_work() as uow:
        uow.locations.add(LocationFactory(warehouse="WEST", code="b-1"))
        uow.commit()

    with reading(storage) as uow:
        assert uow.locations.get("MAIN", "b-1") is None
        assert uow.locations.get_ignoring_case("MAIN", "b-1") == uow.locations.get("MAIN", "B-1")
        assert uow.locations.get("WEST", "b-1") is not None


def test_a_barcode_names_one_location(storage: Storage) -> None:
    stored(storage, LocationFactory(code="B-1", barcode="X"))

    with storage.unit_of_work() as uow, pytest.raises(Conflict, match="barcode 'X'"):
        uow.locations.add(LocationFactory(warehouse="WEST", code="B-2", barcode="X"))

    with reading(storage) as uow:
        assert uow.locations.get("WEST", "B-2") is None


def test_locations_are_found_by_many_barcodes_at_once(storage: Storage) -> None:
    stored(
        storage,
        LocationFactory(code="B-1", barcode="X"),
        LocationFactory(code="B-2", barcode="Y"),
        LocationFactory(code="B-3"),
    )

    with reading(storage) as uow:
        found = uow.locations.with_barcodes(["Y", "X", "Z", "x"])
        assert sorted(location.code for location in found) == ["B-1", "B-2"]
        assert uow.locations.with_barcodes([]) == []


def test_a_saved_location_keeps_its_changes_and_its_parents_are_known(storage: Storage) -> None:
    zone = LocationFactory(code="Z", kind=LocationKind.ZONE)
    bin_ = LocationFactory(code="B-1")
    stored(storage, zone, bin_)

    moved = replace(bin_, parent="Z", pickable=False, barcode="Y", name="Moved", archived=True)
    with storage.unit_of_work() as uow:
        uow.locations.save(moved)
        uow.commit()

    with reading(storage) as uow:
        assert uow.locations.get("MAIN", "B-1") == moved
        assert uow.locations.parents("MAIN") == {"Z": None, "B-1": "Z"}
        assert uow.locations.parents("WEST") == {}


@pytest.mark.parametrize("descending", [False, True])
def test_locations_page_by_code_within_their_warehouse(storage: Storage, descending: bool) -> None:
    codes = ["C", "A", "E", "B", "D"]
    stored(
        storage,
        *[LocationFactory(code=code) for code in codes],
        LocationFactory(warehouse="WEST", code="AA"),
    )

    with reading(storage) as uow:
        seen = page_through(
            lambda page: uow.locations.fetch_page("MAIN", LocationFilter(), page),
            LOCATION_SORTS,
            "code",
            descending,
        )

    assert [loc.code for loc in seen] == sorted(codes, reverse=descending)


def test_the_filters_pick_parent_kind_pickable_and_code_prefix(storage: Storage) -> None:
    stored(
        storage,
        LocationFactory(code="Z", kind=LocationKind.ZONE, pickable=False),
        LocationFactory(code="A_1", parent="Z"),
        LocationFactory(code="A-2", parent="Z"),
        LocationFactory(code="AX1"),
    )

    def codes(filter: LocationFilter) -> list[str]:
        with reading(storage) as uow:
            page = uow.locations.fetch_page("MAIN", filter, PageSpec("code", False, 50, None))
        return [loc.code for loc in page]

    assert codes(LocationFilter(parent="Z")) == ["A-2", "A_1"]
    assert codes(LocationFilter(kind="zone")) == ["Z"]
    assert codes(LocationFilter(pickable=False)) == ["Z"]
    assert codes(LocationFilter(pickable=True)) == ["A-2", "AX1", "A_1"]
    # A prefix, ignoring case; "_" is no wildcard.
    assert codes(LocationFilter(q="a_")) == ["A_1"]
    assert codes(LocationFilter(q="a")) == ["A-2", "AX1", "A_1"]
