"""The ledger: ``stock receive|issue|transfer|adjust|levels|movements``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from functools import partial

from inventory.application.commands import MOVEMENT_COMMAND
from inventory.application.listing import MovementList, StockLevelList
from inventory.application.stock import list_movements, list_stock_levels, record_movement
from inventory.application.validation import parse_as, parse_query
from inventory.application.views import MovementView, StockLevelView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import (
    ACTOR,
    MOVEMENT_FILTERS,
    Subcommands,
    add_movement_filters,
    add_paging,
    command,
    command_group,
    given,
)
from inventory.entrypoints.cli.output import Console

MOVEMENT_FIELDS = (
    "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity", "counted_quantity",
    "unit_cost", "reason", "reference", "note",
)  # fmt: skip
MOVEMENT_COLUMNS = (
    "created_at", "type", "sku", "warehouse", "quantity", "unit_cost", "reason", "reference",
)  # fmt: skip
LEVEL_COLUMNS = ("sku", "warehouse", "on_hand", "reserved", "available")
LEVEL_FILTERS = ("sku", "warehouse")
PAGING = ("limit", "cursor", "sort")
REASONS = "count, damage, loss, found or correction"


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    stock = command_group(commands, "stock", "stock movements and levels", shared)

    receive = command(stock, "receive", partial(record, "receipt"), "book goods in", shared)
    _add_where(receive)
    _add_quantity(receive)
    receive.add_argument(
        "--unit-cost", required=True, metavar="AMOUNT", help='e.g. 12.5 or "12.5000"'
    )
    _add_reference(receive)

    issue = command(stock, "issue", partial(record, "issue"), "take unreserved goods out", shared)
    _add_where(issue)
    _add_quantity(issue)
    _add_reference(issue)

    transfer = command(
        stock, "transfer", partial(record, "transfer"), "move goods between warehouses", shared
    )
    transfer.add_argument("--sku", required=True)
    transfer.add_argument("--from", dest="from_warehouse", required=True, metavar="WAREHOUSE")
    transfer.add_argument("--to", dest="to_warehouse", required=True, metavar="WAREHOUSE")
    _add_quantity(transfer)
    _add_reference(transfer)

    adjust = command(
        stock,
        "adjust",
        partial(record, "adjustment"),
        "set on hand to a counted figure",
        shared,
        epilog="Records the signed difference as an adjustment movement.",
    )
    _add_where(adjust)
    adjust.add_argument("--counted", dest="counted_quantity", required=True, type=int, metavar="N")
    adjust.add_argument("--reason", required=True, help=REASONS)
    adjust.add_argument("--note")

    levels = command(
        stock,
        "levels",
        stock_levels,
        "stock levels: every one, or one product's or one warehouse's",
        shared,
        epilog="Sorted by sku, then warehouse. --sku and --warehouse narrow the list (both:\n"
        "one level). A product's totals over every warehouse: inventory products show SKU.",
    )
    levels.add_argument("--sku", help="only this product's levels")
    levels.add_argument("--warehouse", help="only this warehouse's levels")
    add_paging(levels, "sku (then warehouse; the only sort)")

    movements = command(stock, "movements", stock_movements, "list the ledger", shared)
    add_movement_filters(movements)
    add_paging(movements, "created_at (default)")


def _add_where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sku", required=True)
    parser.add_argument("--warehouse", required=True)


def _add_quantity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quantity", required=True, type=int, metavar="N")


def _add_reference(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reference", help="e.g. a purchase order or delivery number")
    parser.add_argument("--note")


def record(kind: str, args: argparse.Namespace, services: Services, console: Console) -> int:
    """Record one movement of this kind (bound with ``partial`` for each subcommand)."""
    cmd = parse_as(MOVEMENT_COMMAND, {"type": kind, **given(args, *MOVEMENT_FIELDS)})
    movement = record_movement(
        cmd, services.uow(), services.clock, services.new_id, ACTOR, alerts=services.alerts
    )
    console.show(MovementView.of(movement).to_json())
    return 0


def stock_levels(args: argparse.Namespace, services: Services, console: Console) -> int:
    params = parse_query(StockLevelList, given(args, *LEVEL_FILTERS, *PAGING))
    page = list_stock_levels(params, services.uow())
    items = [StockLevelView.of(level).to_json() for level in page.items]
    # A column that a filter holds to one value tells people nothing: leave it out.
    narrowed = given(args, *LEVEL_FILTERS).keys()
    columns = [column for column in LEVEL_COLUMNS if column not in narrowed]
    console.page(items, page.next_cursor, columns)
    return 0


def stock_movements(args: argparse.Namespace, services: Services, console: Console) -> int:
    filters = given(args, *MOVEMENT_FILTERS, *PAGING)
    page = list_movements(parse_query(MovementList, filters), services.uow())
    items = [MovementView.of(movement).to_json() for movement in page.items]
    if console.as_json:
        console.page(items, page.next_cursor, MOVEMENT_COLUMNS)
    else:
        console.page([_one_line(item) for item in items], page.next_cursor, MOVEMENT_COLUMNS)
    return 0


def _one_line(movement: Mapping[str, object]) -> Mapping[str, object]:
    """A movement as a table row: a transfer's warehouses as ``FROM->TO``."""
    if "from_warehouse" in movement:
        return {
            **movement,
            "warehouse": f"{movement['from_warehouse']}->{movement['to_warehouse']}",
        }
    return movement
