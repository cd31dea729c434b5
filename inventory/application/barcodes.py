"""Barcodes are unique across products, packs and locations (API.md §13).

GTINs compare as 14 digits (``gs1.barcode_key``). Checked in the writing unit of
work, before the write: see docs/adr/0021-units-and-packs.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from inventory.application.ports import UnitOfWork
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
    wanted = [barcode for barcode in barcodes if barcode is not None]
    if wanted:
        uow.products.take_barcode_turn()
    for barcode in wanted:
        forms = barcode_forms(barcode_key(barcode))
        for product in uow.products.by_barcode(forms):
            if product.sku == sku:
                continue
            pack = product.units.by_barcode(barcode)
            holder = f"pack {pack.unit!r} of product" if pack is not None else "product"
            raise Conflict(f"barcode {barcode!r} already names {holder} {product.sku!r}")
        for form in forms:
            held = uow.locations.with_barcode(form)
            if held is not None and (held.warehouse, held.code) != location:
                raise Conflict(
                    f"barcode {barcode!r} already names location {held.code!r}"
                    f" in {held.warehouse!r}"
                )


def barcodes_of_product(barcode: str | None, pack_barcodes: Iterable[str | None]) -> list[str]:
    """Every barcode a product's details print: its own and its packs'."""
    return [code for code in (barcode, *pack_barcodes) if code is not None]
