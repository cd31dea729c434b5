"""Barcodes are unique across products, packs and locations (API.md §13).

GTINs compare as 14 digits (``gs1.barcode_key``). Checked in the writing unit of
work, before the write: see docs/adr/0021-units-and-packs.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from inventory.application.ports import UnitOfWork
from inventory.domain.catalog import Product
from inventory.domain.errors import Conflict
from inventory.domain.gs1 import barcode_forms, barcode_key


def check_barcodes_free(
    uow: UnitOfWork,
    barcodes: Iterable[str | None],
    *,
    sku: str | None = None,
    location: tuple[str, str] | None = None,
) -> None:
    """Refuse (``Conflict``) a barcode that another product, pack or location holds.

    ``sku`` is the product being written (its own barcodes may stay its own, the
    domain checks them among themselves); ``location`` the (warehouse, code) of
    the location being written.
    """
    check_many_barcodes_free(
        uow, {barcode: sku for barcode in barcodes if barcode is not None}, location=location
    )


def check_many_barcodes_free(
    uow: UnitOfWork,
    wanted: Mapping[str, str | None],
    *,
    location: tuple[str, str] | None = None,
) -> None:
    """:func:`check_barcodes_free` for many barcodes at once, each with the sku that
    would print it (None: a location's), in two reads; the first one taken is refused."""
    taken = first_barcode_taken(uow, wanted, location=location)
    if taken is not None:
        raise Conflict(taken[1])


def first_barcode_taken(
    uow: UnitOfWork,
    wanted: Mapping[str, str | None],
    *,
    location: tuple[str, str] | None = None,
) -> tuple[str, str] | None:
    """The first barcode of ``wanted`` that something else holds, and what holds it."""
    if not wanted:
        return None
    uow.products.take_barcode_turn()
    forms = {barcode: barcode_forms(barcode_key(barcode)) for barcode in wanted}
    every = sorted({form for each in forms.values() for form in each})
    products = uow.products.by_barcode(every)
    places = {place.barcode: place for place in uow.locations.with_barcodes(every)}
    for barcode, sku in wanted.items():
        for product in products:
            if product.sku != sku and _prints(product, barcode):
                pack = product.units.by_barcode(barcode)
                holder = f"pack {pack.unit!r} of product" if pack is not None else "product"
                return barcode, f"barcode {barcode!r} already names {holder} {product.sku!r}"
        for form in forms[barcode]:
            held = places.get(form)
            if held is not None and (held.warehouse, held.code) != location:
                where = f"location {held.code!r} in {held.warehouse!r}"
                return barcode, f"barcode {barcode!r} already names {where}"
    return None


def _prints(product: Product, barcode: str) -> bool:
    own = product.details.barcode
    key = barcode_key(barcode)
    return (own is not None and barcode_key(own) == key) or (
        product.units.by_barcode(barcode) is not None
    )


def barcodes_of_product(barcode: str | None, pack_barcodes: Iterable[str | None]) -> list[str]:
    """Every barcode a product's details print: its own and its packs'."""
    return [code for code in (barcode, *pack_barcodes) if code is not None]
