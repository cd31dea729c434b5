"""Locations (bins) inside a warehouse: a tree of places that hold stock (API.md §11)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inventory.domain.errors import Conflict, FieldError, NotFound, ValidationFailed

DEFAULT_LOCATION = "DEFAULT"
"""The code of a warehouse's default location unless it was created with another."""

Parents = Mapping[str, str | None]
"""Each location code of one warehouse and the code of its parent (None at the root)."""


class LocationKind(StrEnum):
    ZONE = "zone"
    AISLE = "aisle"
    SHELF = "shelf"
    BIN = "bin"
    STAGING = "staging"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in one warehouse; only ``pickable`` ones feed the picking rule."""

    warehouse: str
    code: str
    kind: LocationKind = LocationKind.BIN
    pickable: bool = True
    name: str = ""
    parent: str | None = None
    barcode: str | None = None
    archived: bool = False
    created_at: datetime | None = field(default=None, compare=False)


def check_parent(code: str, parent: str | None, parents: Parents) -> None:
    """Refuse a ``parent`` that is not a location of the warehouse (404), or one that
    would make a cycle: the location itself or one of its descendants (409)."""
    if parent is None:
        return
    if parent not in parents:
        raise NotFound(f"location {parent!r} does not exist in this warehouse")
    seen: set[str] = set()
    step: str | None = parent
    while step is not None and step not in seen:
        if step == code:
            raise Conflict(f"location {code!r} cannot be inside {parent!r}: that makes a cycle")
        seen.add(step)
        step = parents.get(step)


def descendants(code: str, parents: Parents) -> Iterator[str]:
    """Every location below ``code`` in the tree, nearest first (breadth first)."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    level = sorted(children.get(code, []))
    seen = {code}
    while level:
        following: list[str] = []
        for child in level:
            if child not in seen:
                seen.add(child)
                yield child
                following.extend(sorted(children.get(child, [])))
        level = following


def check_archivable(location: Location, default: str, held: int) -> None:
    """Refuse (409) archiving the warehouse's default location, or one that holds stock."""
    if location.code == default:
        raise Conflict(
            f"location {location.code!r} is the default of {location.warehouse!r};"
            " it cannot be archived"
        )
    if held:
        raise Conflict(
            f"location {location.code!r} in {location.warehouse!r} still holds {held} units"
        )


def check_transfer(
    from_warehouse: str, from_location: str, to_warehouse: str, to_location: str
) -> None:
    """Refuse (422) a transfer that goes nowhere: inside one warehouse the locations
    (each already resolved, the default standing for none named) must differ."""
    if from_warehouse == to_warehouse and from_location == to_location:
        raise ValidationFailed(
            f"a transfer inside {from_warehouse!r} must move between two locations",
            (FieldError("to_location", "must differ from from_location in one warehouse"),),
        )
