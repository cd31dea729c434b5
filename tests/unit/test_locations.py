"""Locations inside a warehouse: the tree, and what may be archived (API.md §11)."""

from __future__ import annotations

import pytest

from inventory.domain.errors import Conflict, NotFound, ValidationFailed
from inventory.domain.locations import (
    DEFAULT_LOCATION,
    Location,
    LocationKind,
    check_archivable,
    check_parent,
    check_transfer,
    descendants,
)

TREE = {
    "DEFAULT": None,
    "Z1": None,
    "A1": "Z1",
    "A2": "Z1",
    "S1": "A1",
    "B1": "S1",
    "B2": "S1",
    "B3": "A2",
}


def test_a_location_defaults_to_a_pickable_bin() -> None:
    location = Location("WH-1", "B1")

    assert (location.kind, location.pickable, location.archived) == (LocationKind.BIN, True, False)
    assert DEFAULT_LOCATION == "DEFAULT"


def test_a_root_or_a_parent_elsewhere_in_the_tree_is_accepted() -> None:
    check_parent("NEW", None, TREE)
    check_parent("NEW", "B1", TREE)
    check_parent("A2", "A1", TREE)  # moving a branch under its sibling


def test_a_parent_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFound, match="'NOPE' does not exist"):
        check_parent("B1", "NOPE", TREE)


@pytest.mark.parametrize(("code", "parent"), [("B1", "B1"), ("Z1", "B1"), ("A1", "S1")])
def test_a_parent_below_the_location_itself_makes_a_cycle(code: str, parent: str) -> None:
    with pytest.raises(Conflict, match="makes a cycle"):
        check_parent(code, parent, TREE)


def test_a_tree_that_already_loops_does_not_hang_the_check() -> None:
    check_parent("X", "L1", {"L1": "L2", "L2": "L1", "X": None})


def test_descendants_come_nearest_first() -> None:
    assert list(descendants("Z1", TREE)) == ["A1", "A2", "S1", "B3", "B1", "B2"]
    assert list(descendants("B1", TREE)) == []
    assert list(descendants("S1", {**TREE, "B1": "S1"})) == ["B1", "B2"]


def test_descendants_of_a_looping_tree_are_each_listed_once() -> None:
    assert list(descendants("L1", {"L1": "L2", "L2": "L1"})) == ["L2"]


def test_the_default_location_cannot_be_archived() -> None:
    with pytest.raises(Conflict, match="is the default of 'WH-1'"):
        check_archivable(Location("WH-1", "MAIN"), "MAIN", held=0)


def test_a_location_that_holds_stock_cannot_be_archived() -> None:
    with pytest.raises(Conflict, match="still holds 3 units"):
        check_archivable(Location("WH-1", "B1"), DEFAULT_LOCATION, held=3)


def test_an_empty_location_other_than_the_default_may_be_archived() -> None:
    check_archivable(Location("WH-1", "B1"), DEFAULT_LOCATION, held=0)


def test_a_transfer_inside_one_warehouse_moves_between_two_locations() -> None:
    check_transfer("WH-1", "DEFAULT", "WH-1", "B1")
    check_transfer("WH-1", "B1", "WH-2", "B1")  # same code, another warehouse

    with pytest.raises(ValidationFailed, match="must move between two locations") as caught:
        check_transfer("WH-1", "B1", "WH-1", "B1")

    assert caught.value.errors[0].field == "to_location"
