"""Bulk import from CSV: all or nothing, streamed in batches.

A bad row stops the import naming the file's line number (the header is
line 1) and the sku, and nothing is imported.
"""

from __future__ import annotations

import csv
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, TextIO

from inventory.application.alerts import DEFAULT_ALERTS, AlertPolicy
from inventory.application.barcodes import first_barcode_taken
from inventory.application.catalog import product_exists
from inventory.application.commands import MOVEMENT_COMMAND, CreateProduct, MovementCommand
from inventory.application.ports import Clock, IdGenerator, UnitOfWork
from inventory.application.stock import record_movements
from inventory.application.validation import parse, parse_as
from inventory.domain.catalog import Product
from inventory.domain.errors import Conflict, DomainError, ValidationFailed
from inventory.domain.gs1 import barcode_key

if TYPE_CHECKING:
    from _csv import Reader

BATCH = 2000
PRODUCT_COLUMNS = (
    "sku", "name", "description", "category", "unit", "barcode", "reorder_point",
    "reorder_quantity",
)  # fmt: skip
_INTEGER = re.compile(r"-?[0-9]+")
_INTEGERS = frozenset({"reorder_point", "reorder_quantity", "quantity", "counted_quantity"})

ImportProgress = Callable[[int], None]


def import_products(
    source: TextIO,
    uow: UnitOfWork,
    clock: Clock,
    update: bool = False,
    on_progress: ImportProgress = lambda done: None,
) -> int:
    """Add every product in a CSV file (or, with ``update``, replace existing ones too).

    A file longer than one batch raises the version of every cached read
    (``write_in_bulk``), not each scope its products touched.
    """
    rows = _rows(source, frozenset(PRODUCT_COLUMNS), required=("sku", "name"))
    done = 0
    # Skus only, in lower case, to refuse a repeat anywhere in the file: skus
    # are unique ignoring case.
    seen: set[str] = set()
    printed: dict[str, int] = {}  # each barcode's key: the line that prints it
    with uow:
        while batch := list(islice(rows, BATCH)):
            if done:  # past one batch, a long import: every version raised once instead
                uow.write_in_bulk()
            commands = [(line, _parse_row(line, row, CreateProduct)) for line, row in batch]
            existing = uow.products.get_many_ignoring_case(cmd.sku for _, cmd in commands)
            new: dict[str, Product] = {}
            changed: list[Product] = []
            adds: dict[str, tuple[str, int]] = {}  # barcodes new to their product: sku, line
            at = clock()
            for line, cmd in commands:
                folded = cmd.sku.lower()
                if folded in seen:
                    raise Conflict(
                        f"line {line}: product {cmd.sku!r} appears twice in the file"
                        " (skus are unique ignoring case)"
                    )
                seen.add(folded)
                stored = existing.get(folded)
                if stored is not None and (stored.sku != cmd.sku or not update):
                    raise Conflict(f"line {line}: {product_exists(cmd.sku, stored)}")
                if cmd.barcode is not None:
                    key = barcode_key(cmd.barcode)
                    if key in printed:
                        raise Conflict(
                            f"line {line}: product {cmd.sku!r}: barcode {cmd.barcode!r}"
                            " appears twice in the file"
                            f" (line {printed[key]} prints it too)"
                        )
                    printed[key] = line
                    own = None if stored is None else stored.details.barcode
                    if own is None or barcode_key(own) != key:
                        adds[cmd.barcode] = (cmd.sku, line)
                if stored is not None:
                    # The file has no packs column: a product keeps the packs it has.
                    stored.revise(replace(cmd.details(), packs=stored.details.packs), at)
                    changed.append(existing.pop(folded))
                else:
                    new[cmd.sku] = Product.register(cmd.sku, cmd.details(), at)
            taken = first_barcode_taken(uow, {code: sku for code, (sku, _) in adds.items()})
            if taken is not None:
                sku, printing = adds[taken[0]]
                raise Conflict(f"line {printing}: product {sku!r}: {taken[1]}")
            uow.products.add_all(list(new.values()))
            uow.products.save_all(changed)
            done += len(commands)
            on_progress(done)
        uow.commit()
    return done


def import_movements(
    source: TextIO,
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
    actor: str,
    on_progress: ImportProgress = lambda done: None,
    *,
    alerts: AlertPolicy = DEFAULT_ALERTS,
) -> int:
    """Record every movement in a CSV file (the columns of the movement bodies), in order.

    Low-stock alerts are queued as for single movements: one per crossing.
    """
    lines = array("L")  # the file line of each movement, 8 bytes a row, to name a refused one

    def commands() -> Iterator[MovementCommand]:
        for line, row in _rows(source, frozenset(MOVEMENT_FIELDS), required=("type", "sku")):
            lines.append(line)
            yield _parse_movement(line, row)

    def where(index: int) -> str:
        return f"line {lines[index]}"

    return record_movements(
        commands(), uow, clock, new_id, actor, on_progress, where, alerts=alerts
    )


MOVEMENT_FIELDS = (
    "type", "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity", "counted_quantity",
    "unit", "unit_cost", "reason", "serials", "reference", "note",
)  # fmt: skip


def _rows(
    source: TextIO, allowed: frozenset[str], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    # strict: a quote left open, or text after a closing quote, is an error, not
    # a cell that silently swallows the rest of the file.
    reader = csv.reader(source, strict=True)
    header = _next_row(reader)
    if header is None:
        raise ValidationFailed("line 1: the file is empty; expected a header row")
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in allowed]
    missing = [name for name in required if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise ValidationFailed(
            f"line 1: bad header (unknown: {unknown or 'none'}, missing: {missing or 'none'}); "
            f"columns are {', '.join(sorted(allowed))}"
        )
    while (cells := _next_row(reader)) is not None:
        line = reader.line_num
        if not any(cells):
            continue
        if len(cells) != len(header):
            raise ValidationFailed(f"line {line}: {len(cells)} cells, header has {len(header)}")
        yield line, {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}


def _next_row(reader: Reader) -> list[str] | None:
    """The next row, or None at the end; a malformed one names the line it starts on."""
    start = reader.line_num + 1
    try:
        return next(reader, None)
    except csv.Error as exc:
        why = str(exc)
        if why == "unexpected end of data":
            why = "a quoted cell is not closed (its closing quote is missing)"
        elif "expected after" in why:
            why = f"text after a quoted cell's closing quote ({why})"
        raise ValidationFailed(f"line {start}: {why}") from None


def _typed(row: dict[str, str]) -> dict[str, object]:
    typed: dict[str, object] = dict(row)
    for name in _INTEGERS & row.keys():
        value = row[name].strip()
        if _INTEGER.fullmatch(value):
            typed[name] = int(value)
    if "serials" in row:  # a serial-tracked product's units, separated by spaces
        typed["serials"] = row["serials"].split()
    return typed


def _parse_row(line: int, row: dict[str, str], model: type[CreateProduct]) -> CreateProduct:
    try:
        return parse(model, _typed(row))
    except ValidationFailed as exc:
        raise _at_line(exc, line, row) from None


def _parse_movement(line: int, row: dict[str, str]) -> MovementCommand:
    try:
        return parse_as(MOVEMENT_COMMAND, _typed(row))
    except ValidationFailed as exc:
        raise _at_line(exc, line, row) from None


def _at_line(exc: DomainError, line: int, row: dict[str, str]) -> DomainError:
    sku = f" (sku {row['sku']!r})" if "sku" in row else ""
    return type(exc)(f"line {line}{sku}: {exc.detail}", exc.errors)
