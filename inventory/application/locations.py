"""Use cases of locations (bins) inside a warehouse (API.md §11; domain/locations.py).

Stock is not yet kept per location, so a location holds nothing: archiving
refuses only the warehouse's default location and one with open children.
"""

from __future__ import annotations

from dataclasses import replace

from inventory.application.barcodes import check_barcodes_free
from inventory.application.catalog import require_warehouse
from inventory.application.commands import CreateLocation, PatchLocation
from inventory.application.listing import LOCATION_SORTS, LocationList
from inventory.application.pagination import Page
from inventory.application.ports import Clock, HeldSlot, UnitOfWork
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.locations import Location, check_archivable, check_parent
from inventory.domain.locations import descendants as below


def add_location(warehouse: str, cmd: CreateLocation, uow: UnitOfWork, clock: Clock) -> Location:
    """A new location in ``warehouse``: its code new there ignoring case, its parent open."""
    with uow:
        require_warehouse(uow, warehouse)
        taken = uow.locations.get_ignoring_case(warehouse, cmd.code)
        if taken is not None:
            same = "" if taken.code == cmd.code else "; location codes are unique ignoring case"
            raise Conflict(f"location {taken.code!r} already exists in {warehouse!r}{same}")
        _check_parent(uow, warehouse, cmd.code, cmd.parent)
        _check_barcode(uow, cmd.barcode, None)
        location = Location(
            warehouse=warehouse,
            code=cmd.code,
            kind=cmd.kind,
            pickable=cmd.pickable,
            name=cmd.name,
            parent=cmd.parent,
            barcode=cmd.barcode,
            created_at=clock(),
        )
        uow.locations.add(location)
        uow.commit()
    return location


def get_location(warehouse: str, code: str, uow: UnitOfWork) -> Location:
    """One location of a warehouse."""
    with uow.reading():
        return _require(uow, warehouse, code)


def location_stock(
    warehouse: str, code: str, uow: UnitOfWork, descendants: bool = False
) -> list[HeldSlot]:
    """What a location holds (with ``descendants``, its whole subtree), by location,
    sku and lot."""
    with uow.reading():
        _require(uow, warehouse, code)
        codes = [code]
        if descendants:
            codes.extend(below(code, uow.locations.parents(warehouse)))
        return uow.stock.slots_at(warehouse, codes)


def list_locations(warehouse: str, params: LocationList, uow: UnitOfWork) -> Page[Location]:
    """A page of a warehouse's locations by code."""
    spec = LOCATION_SORTS.spec(params)
    with uow.reading():
        require_warehouse(uow, warehouse)
        rows = uow.locations.fetch_page(warehouse, params.filter(), spec)
    return LOCATION_SORTS.page(rows, spec)


def patch_location(warehouse: str, code: str, cmd: PatchLocation, uow: UnitOfWork) -> Location:
    """Change only the fields the patch names (name, pickable, barcode, parent)."""
    changes = cmd.changes()
    with uow:
        location = _require(uow, warehouse, code)
        if "parent" in changes:
            parent = changes["parent"]
            assert parent is None or isinstance(parent, str)
            _check_parent(uow, warehouse, code, parent)
        if changes.get("barcode") is not None:
            barcode = changes["barcode"]
            assert isinstance(barcode, str)
            _check_barcode(uow, barcode, location)
        location = replace(location, **changes)  # type: ignore[arg-type]
        uow.locations.save(location)
        uow.commit()
    return location


def archive_location(warehouse: str, code: str, uow: UnitOfWork) -> Location:
    """Archive a location that holds nothing: never the default, nor one with open children.

    It must hold nothing: no units on hand or reserved at it, in any lot.
    """
    with uow:
        location = _require(uow, warehouse, code)
        if location.archived:
            return location
        default = uow.locations.default_of(warehouse)
        held = sum(
            h.level.on_hand + h.level.reserved for h in uow.stock.slots_at(warehouse, [code])
        )
        check_archivable(location, default or "", held)
        open_children = [
            child
            for child, parent in uow.locations.parents(warehouse).items()
            if parent == code and not _archived(uow, warehouse, child)
        ]
        if open_children:
            raise Conflict(
                f"location {code!r} in {warehouse!r} still holds locations"
                f" {', '.join(sorted(open_children))}; archive or move them first"
            )
        location = replace(location, archived=True)
        uow.locations.save(location)
        uow.commit()
    return location


def _archived(uow: UnitOfWork, warehouse: str, code: str) -> bool:
    found = uow.locations.get(warehouse, code)
    return found is not None and found.archived


def _require(uow: UnitOfWork, warehouse: str, code: str) -> Location:
    require_warehouse(uow, warehouse)
    location = uow.locations.get(warehouse, code)
    if location is None:
        raise NotFound(f"location {code!r} not found in warehouse {warehouse!r}")
    return location


def _check_parent(uow: UnitOfWork, warehouse: str, code: str, parent: str | None) -> None:
    if parent is None:
        return
    check_parent(code, parent, uow.locations.parents(warehouse))
    found = uow.locations.get(warehouse, parent)
    if found is not None and found.archived:
        raise Conflict(f"location {parent!r} in {warehouse!r} is archived; it takes no locations")


def _check_barcode(uow: UnitOfWork, barcode: str | None, location: Location | None) -> None:
    # Unique across products, packs and locations (API.md §13).
    where = None if location is None else (location.warehouse, location.code)
    check_barcodes_free(uow, [barcode], location=where)
