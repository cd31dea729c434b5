"""The ledger: ``stock receive|issue|transfer|adjust|levels|movements``.

Movements name where they take or put (API.md §11, §12, §16): ``--location``,
``--from-location``/``--to-location``, ``--lot`` (with ``--expires`` and
``--manufactured`` on a receipt), and ``--serial`` (repeated) for each unit.
"""

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
    UsageError,
    add_movement_filters,
    add_paging,
    command,
    command_group,
    given,
)
from inventory.entrypoints.cli.flags import SUPPLIED_BY
from inventory.entrypoints.cli.output import Console, cell

MOVEMENT_FIELDS = (
    "sku", "warehouse", "from_warehouse", "to_warehouse", "quantity", "counted_quantity", "unit",
    "unit_cost", "reason", "location", "from_location", "to_location", "lot", "serials",
    "reference", "note",
)  # fmt: skip
LOT_FIELDS = ("expires_on", "manufactured_on")
"""What ``--expires`` and ``--manufactured`` fill in the lot a receipt brings."""
LOT_OPTIONS = {"lot.code": "--lot", "lot.expires_on": "--expires",
               "lot.manufactured_on": "--manufactured"}  # fmt: skip
"""The options that fill each member of a receipt's lot object, to name them in errors."""
MOVEMENT_COLUMNS = (
    "created_at", "type", "sku", "warehouse", "quantity", "location", "lot", "unit_cost",
    "reason", "reference",
)  # fmt: skip
ALLOCATION_COLUMNS = ("location", "lot", "quantity")
TRANSFER_ALLOCATION_COLUMNS = ("from_location", "to_location", "lot", "quantity")
SERIALS_COLUMN = ("serials",)
LEVEL_COLUMNS = ("sku", "warehouse", "on_hand", "reserved", "available")
LEVEL_FILTERS = ("sku", "warehouse")
PAGING = ("limit", "cursor", "sort")
REASONS = "count, damage, loss, found, correction or expired"
PICKED = "default: picked first-expired-first-out from pickable locations"


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    stock = command_group(commands, "stock", "stock movements and levels", shared)

    receive = command(
        stock,
        "receive",
        partial(record, "receipt"),
        "book goods in",
        shared,
        epilog="A lot-tracked product's receipt names its lot: --lot CODE, and --expires DATE\n"
        "unless the product's shelf life sets it. Example:\n"
        "  inventory stock receive --sku MILK --warehouse MAIN --quantity 24 --unit-cost 0.9 \\\n"
        "            --location B-1 --lot L-0412 --expires 2027-01-31",
    )
    _add_where(receive)
    _add_quantity(receive)
    receive.add_argument(
        "--unit-cost", required=True, metavar="AMOUNT", help='e.g. 12.5 or "12.5000"'
    )
    receive.add_argument(
        "--location", metavar="CODE", help="where it is put; default the warehouse's default"
    )
    receive.add_argument("--lot", metavar="CODE", help="the lot received (lot-tracked products)")
    receive.add_argument(
        "--expires",
        dest="expires_on",
        metavar="DATE",
        help="the lot's expiry date, YYYY-MM-DD; default today plus the product's shelf life",
    )
    receive.add_argument(
        "--manufactured", dest="manufactured_on", metavar="DATE", help="when the lot was made"
    )
    _add_serials(receive, "a unit received (serial-tracked products: one per unit)")
    _add_reference(receive)

    issue = command(stock, "issue", partial(record, "issue"), "take unreserved goods out", shared)
    _add_where(issue)
    _add_quantity(issue)
    issue.add_argument("--location", metavar="CODE", help=f"take it from CODE only; {PICKED}")
    _add_lot(issue)
    _add_serials(issue, "a unit to take (serial-tracked products); default the oldest received")
    _add_reference(issue)

    transfer = command(
        stock,
        "transfer",
        partial(record, "transfer"),
        "move goods between warehouses, or between locations of one",
        shared,
        epilog="Inside one warehouse (--to the same as --from), --to-location names where the\n"
        "goods go: a put-away or a move between bins.",
    )
    transfer.add_argument("--sku", required=True)
    transfer.add_argument("--from", dest="from_warehouse", required=True, metavar="WAREHOUSE")
    transfer.add_argument("--to", dest="to_warehouse", required=True, metavar="WAREHOUSE")
    _add_quantity(transfer)
    transfer.add_argument(
        "--from-location", metavar="CODE", help=f"take it from CODE only; {PICKED}"
    )
    transfer.add_argument(
        "--to-location", metavar="CODE", help="where it goes; default the default location"
    )
    _add_lot(transfer)
    _add_serials(transfer, "a unit to move (serial-tracked products); default the oldest received")
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
    _add_unit(adjust, "--counted")
    adjust.add_argument("--reason", required=True, help=REASONS)
    adjust.add_argument(
        "--location", metavar="CODE", help="where it was counted; default the default location"
    )
    adjust.add_argument(
        "--lot", metavar="CODE", help="the lot counted (required for a lot-tracked product)"
    )
    _add_serials(
        adjust, "a unit found, or gone (serial-tracked products); gone: default the oldest"
    )
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
    _add_unit(parser, "--quantity")


def _add_unit(parser: argparse.ArgumentParser, of: str) -> None:
    parser.add_argument(
        "--unit",
        metavar="U",
        help=f"the unit {of} is in: the product's unit or one of its packs (default base units)",
    )


def _add_lot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lot", metavar="CODE", help=f"take it from lot CODE only; {PICKED}")


def _add_serials(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--serial", dest="serials", action="append", metavar="SERIAL", help=f"{help}; repeat"
    )


def _add_reference(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reference", help="e.g. a purchase order or delivery number")
    parser.add_argument("--note")


def record(kind: str, args: argparse.Namespace, services: Services, console: Console) -> int:
    """Record one movement of this kind (bound with ``partial`` for each subcommand)."""
    body = {"type": kind, **given(args, *MOVEMENT_FIELDS)}
    if kind == "receipt":
        body.update(_lot_received(args))
    cmd = parse_as(MOVEMENT_COMMAND, body)
    movement = record_movement(
        cmd, services.uow(), services.clock, services.new_id, ACTOR, alerts=services.alerts
    )
    show_movement(console, MovementView.of(movement).to_json())
    return 0


def _lot_received(args: argparse.Namespace) -> dict[str, object]:
    """``--lot``, ``--expires`` and ``--manufactured`` as the receipt's ``lot`` object."""
    dates = given(args, *LOT_FIELDS)
    if args.lot is None:
        if dates:
            spelt = " and ".join(f"--{name.removesuffix('_on')}" for name in dates)
            raise UsageError(f"{spelt}: describe a lot; name it with --lot CODE")
        return {}
    # Errors in the lot object are named by the options that filled it.
    setattr(args, SUPPLIED_BY, LOT_OPTIONS)
    return {"lot": {"code": args.lot, **dates}}


def show_movement(console: Console, movement: Mapping[str, object]) -> None:
    """A movement's fields, then what it took or put at each location and lot."""
    if console.as_json:
        console.document(movement)
        return
    allocations = movement.get("allocations")
    assert isinstance(allocations, list)
    fields = {name: value for name, value in movement.items() if name != "allocations"}
    if isinstance(entered := movement.get("entered"), Mapping):
        fields["entered"] = f"{entered['quantity']} {entered['unit']}"
    console.fields(fields)
    console.line("")
    transfer = movement["type"] == "transfer"
    rows = [
        {**item, "from_location": item["location"]} if transfer else item for item in allocations
    ]
    columns = TRANSFER_ALLOCATION_COLUMNS if transfer else ALLOCATION_COLUMNS
    if "serials" in movement:
        columns = (*columns, *SERIALS_COLUMN)
    console.table(rows, columns)


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
    """A movement as a table row: a transfer's warehouses and locations as ``FROM->TO``."""
    if "from_warehouse" in movement:
        return {
            **movement,
            "warehouse": f"{movement['from_warehouse']}->{movement['to_warehouse']}",
            "location": f"{cell(movement['from_location'])}->{cell(movement['to_location'])}",
        }
    return movement
