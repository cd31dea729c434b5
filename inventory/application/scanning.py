"""Resolving what a scanner read: ``GET /api/v1/scan/{code}`` and ``inventory scan`` (API.md §13).

Reading the code is pure (``inventory.domain.scanning``, ADR 0014); this looks each
reading up: products and their packs (ADR 0021), locations, then a held unit's serial (ADR 0022).
"""

from __future__ import annotations

from datetime import UTC

from inventory.application.ports import Clock, UnitOfWork
from inventory.domain.errors import NotFound
from inventory.domain.gs1 import barcode_forms, barcode_key, is_element_string
from inventory.domain.scanning import (
    ScanAnswer,
    answer_for_location,
    answer_for_product,
    answer_for_serial,
    readings,
)


def scan(code: str, uow: UnitOfWork, clock: Clock) -> ScanAnswer:
    """What ``code`` names, with what its element string carries, as read.

    A malformed GS1 element string or a GTIN with a wrong check digit is
    refused (``Gs1Error``, 422 naming ``code``); a code that names nothing
    known is ``NotFound``. GTINs match whatever length the barcode was stored at.
    """
    # The date that fixes an AI 17 year's century; UTC until a service time zone exists.
    today = clock().astimezone(UTC).date()
    with uow.reading():
        for reading in readings(code, today):
            if reading.barcode is None:
                continue  # e.g. a lot without a GTIN: nothing to look it up by yet
            products = uow.products.by_barcode(barcode_forms(reading.barcode))
            if products:
                # Barcodes are unique across products and packs (the writes check it);
                # should old data hold one twice, the first product by sku answers.
                product = products[0]
                own = product.details.barcode
                is_own = own is not None and barcode_key(own) == reading.barcode
                pack = None if is_own else product.units.by_barcode(reading.barcode)
                return answer_for_product(product.sku, product.units, pack, reading.element)
            if reading.element is None:  # GS1 data names trade items, never a bin
                location = uow.locations.with_barcode(reading.barcode)
                if location is not None:
                    return answer_for_location(location)
        if not is_element_string(code):
            # A known serial, as read, when exactly one held unit carries it.
            held = uow.serials.held_with_serial(code)
            owner = uow.products.get(held[0].sku) if len(held) == 1 else None
            if owner is not None:
                unit = held[0]
                return answer_for_serial(unit.sku, owner.units, code, unit.warehouse, unit.location)
    raise NotFound(f"no product or location has the barcode scanned as {code!r}")
