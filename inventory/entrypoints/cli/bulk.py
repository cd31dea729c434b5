"""Bulk data in and out: ``import products|movements`` and ``export products|stock|movements``."""

from __future__ import annotations

import argparse
import io
import json
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from inventory.application.catalog import export_products
from inventory.application.importing import PRODUCT_COLUMNS, import_movements, import_products
from inventory.application.listing import MovementList
from inventory.application.reports import MOVEMENT_COLUMNS, ReportFormat
from inventory.application.stock import export_movements, export_stock
from inventory.application.validation import parse_query
from inventory.application.views import MovementView, ProductView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import (
    ACTOR,
    MOVEMENT_FILTERS,
    Subcommands,
    add_destination,
    add_movement_filters,
    command,
    command_group,
    given,
    seconds,
)
from inventory.entrypoints.cli.output import Console, report_format, write_rows

FULL_PRODUCT_COLUMNS = tuple(ProductView.model_fields)
STOCK_COLUMNS = ("sku", "warehouse", "on_hand", "reserved", "available")

_IMPORT_NOTES = (
    'FILE is a UTF-8 CSV file with a header row ("-" reads stdin). The import is all or '
    "nothing: a bad row stops it, naming its line (the header is line 1) and sku, and "
    "nothing is imported. Progress lines go to stderr once the run has taken "
    "--progress-every seconds, then at most once per that interval (0: after every batch "
    "of rows)."
)


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    imports = command_group(commands, "import", "load CSV files, all or nothing", shared)
    products = command(
        imports,
        "products",
        import_products_file,
        "add products from a CSV file",
        shared,
        epilog=_paragraphs(
            f"Columns: {', '.join(PRODUCT_COLUMNS)} (sku and name required). A sku that "
            "exists already is a bad row, unless --update is given.",
            _IMPORT_NOTES,
        ),
    )
    products.add_argument("--update", action="store_true", help="replace existing products")
    movements = command(
        imports,
        "movements",
        import_movements_file,
        "record ledger movements from a CSV file, in order",
        shared,
        epilog=_paragraphs(
            "Columns: the fields of the API's movement bodies: type, sku, warehouse, "
            "from_warehouse, to_warehouse, quantity, counted_quantity, unit_cost, reason, "
            "reference, note (type and sku required).",
            _IMPORT_NOTES,
        ),
    )
    for parser in (products, movements):
        # A row that fails validation is a refusal (exit 1), not bad usage.
        parser.set_defaults(file_input=True)
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--progress-every",
            type=seconds,
            default=1.0,
            metavar="SECONDS",
            help="progress interval on stderr (default 1)",
        )

    exports = command_group(commands, "export", "stream data as CSV or JSON", shared)
    products = command(
        exports,
        "products",
        export_products_file,
        "every product, archived ones too",
        shared,
        epilog=_paragraphs(
            f"CSV has exactly the columns `import products` takes ({', '.join(PRODUCT_COLUMNS)}), "
            "so `import products --update` reads an export back; --full adds the read-only "
            "fields. JSON is an array of the API's product objects.",
        ),
    )
    products.add_argument(
        "--full", action="store_true", help="CSV with every field of the product object"
    )
    stock = command(exports, "stock", export_stock_file, "every stock level", shared)
    movements = command(exports, "movements", export_movements_file, "the ledger, in order", shared)
    add_movement_filters(movements)
    for parser in (products, stock, movements):
        add_destination(parser)


def _paragraphs(*texts: str) -> str:
    return "\n\n".join(textwrap.fill(text, width=78) for text in texts)


def import_products_file(args: argparse.Namespace, services: Services, console: Console) -> int:
    progress = ImportProgressNotes(console, args.progress_every)
    with opened(args.file) as source:
        count = import_products(source, services.uow(), services.clock, args.update, progress)
    console.say(f"imported {count} products", {"imported": count})
    return 0


def import_movements_file(args: argparse.Namespace, services: Services, console: Console) -> int:
    progress = ImportProgressNotes(console, args.progress_every)
    with opened(args.file) as source:
        count = import_movements(
            source,
            services.uow(),
            services.clock,
            services.new_id,
            ACTOR,
            progress,
            alerts=services.alerts,
        )
    console.say(f"imported {count} movements", {"imported": count})
    return 0


def export_products_file(args: argparse.Namespace, services: Services, console: Console) -> int:
    fmt = report_format(args.format, console)
    full = args.full or fmt is ReportFormat.JSON
    columns = FULL_PRODUCT_COLUMNS if full else PRODUCT_COLUMNS
    as_text = fmt is ReportFormat.CSV
    rows = (
        {column: _csv_value(view[column]) if as_text else view[column] for column in columns}
        for view in (ProductView.of(p).to_json() for p in export_products(services.uow()))
    )
    write_rows(console, rows, columns, fmt, args.output, "products")
    return 0


def export_stock_file(args: argparse.Namespace, services: Services, console: Console) -> int:
    rows = (
        {"sku": s.sku, "warehouse": s.warehouse, "on_hand": s.on_hand,
         "reserved": s.reserved, "available": s.available}
        for s in export_stock(services.uow())
    )  # fmt: skip
    fmt = report_format(args.format, console)
    write_rows(console, rows, STOCK_COLUMNS, fmt, args.output, "stock levels")
    return 0


def export_movements_file(args: argparse.Namespace, services: Services, console: Console) -> int:
    wanted = parse_query(MovementList, given(args, *MOVEMENT_FILTERS)).filter()
    rows = (MovementView.of(m).to_json() for m in export_movements(wanted, services.uow()))
    fmt = report_format(args.format, console)
    write_rows(console, rows, MOVEMENT_COLUMNS, fmt, args.output, "movements")
    return 0


def _csv_value(value: object) -> object:
    """A value as the JSON shape spells it (``true``, not Python's ``True``)."""
    return json.dumps(value) if isinstance(value, bool) else value


class ImportProgressNotes:
    """Reports how many rows are done, on stderr, once a run has taken a while."""

    def __init__(self, console: Console, every: float) -> None:
        self._console = console
        self._every = every
        self._due = time.monotonic() + every

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now >= self._due:
            self._console.note(f"read {done} rows...")
            self._due = now + self._every


@contextmanager
def opened(path: str) -> Iterator[TextIO]:
    """The CSV file at ``path`` ("-": stdin) as text; a leading byte-order mark is skipped."""
    if path != "-":
        with open(path, encoding="utf-8-sig", newline="") as source:
            yield source
        return
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        yield stdin
    finally:
        stdin.detach()  # leave sys.stdin open
