"""Reservations: ``orders create|ship|cancel|list|show``.

A reservation allocates each line to locations and lots (API.md §12): by the
picking rule, or from the ``--location`` and ``--lot`` the order names.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from inventory.application.commands import ReserveOrder
from inventory.application.listing import OrderList
from inventory.application.orders import (
    cancel_order,
    find_order,
    list_orders,
    reserve_order,
    ship_order,
)
from inventory.application.validation import parse, parse_query
from inventory.application.views import OrderView
from inventory.bootstrap import Services
from inventory.domain.orders import Order
from inventory.entrypoints.cli.arguments import (
    ACTOR,
    Subcommands,
    UsageError,
    add_paging,
    command,
    command_group,
    given,
    order_line,
)
from inventory.entrypoints.cli.flags import SUPPLIED_BY
from inventory.entrypoints.cli.output import Console

ORDER_COLUMNS = ("id", "reference", "warehouse", "status", "lines", "created_at")
ALLOCATION_COLUMNS = ("sku", "location", "lot", "quantity")
SERIALS_COLUMN = ("serials",)


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    orders = command_group(commands, "orders", "orders: reservations of stock", shared)

    create = command(
        orders,
        "create",
        orders_create,
        "reserve every line of an order, or nothing",
        shared,
        epilog="Each line is allocated first-expired-first-out from pickable locations, or\n"
        "from --location and --lot, which apply to every line; --serial (repeated) names\n"
        "the units of an order of one line of a serial-tracked product. A line's quantity\n"
        "is in base units unless it names a unit (WATER:2:case) or --unit gives one. Example:\n"
        "  inventory orders create --reference SO-1 --warehouse MAIN \\\n"
        "           --line WIDGET-1:3 --line GADGET-2:1 --line WATER:2:case",
    )
    create.add_argument("--reference", required=True, help="unique, 1-64 characters")
    create.add_argument("--warehouse", required=True)
    create.add_argument(
        "--line",
        dest="lines",
        action="append",
        required=True,
        type=order_line,
        metavar="SKU:QTY[:UNIT]",
        help="one order line, QTY in UNIT if given (repeat for more; each sku once)",
    )
    create.add_argument(
        "--unit",
        metavar="U",
        help="the unit of every line's QTY that names none: the product's unit or a pack's",
    )
    create.add_argument(
        "--location", metavar="CODE", help="reserve every line at this location only"
    )
    create.add_argument("--lot", metavar="CODE", help="reserve every line from this lot only")
    create.add_argument(
        "--serial",
        dest="serials",
        action="append",
        metavar="SERIAL",
        help="a unit to reserve (an order of one line of a serial-tracked product); repeat",
    )
    create.add_argument(
        "--expires-at",
        metavar="TIME",
        help="RFC 3339; an order not shipped by then is released",
    )

    ship = command(orders, "ship", orders_ship, "ship a reserved order", shared)
    cancel = command(orders, "cancel", orders_cancel, "cancel a reserved order", shared)
    show = command(orders, "show", orders_show, "show an order", shared)
    for parser in (ship, cancel, show):
        parser.add_argument("order", metavar="ORDER", help="the order's id or its reference")

    listing = command(orders, "list", orders_list, "list orders, oldest first", shared)
    listing.add_argument("--status", help="reserved, shipped, cancelled or expired")
    listing.add_argument("--warehouse")
    listing.add_argument("--reference")
    add_paging(listing, "created_at (default)")


def orders_create(args: argparse.Namespace, services: Services, console: Console) -> int:
    where = given(args, "location", "lot", "serials")
    if "serials" in where and len(args.lines) != 1:
        raise UsageError("--serial: name the units of an order of one line only")
    supplied = {
        f"lines.*.{name}": "--serial" if name == "serials" else f"--{name}" for name in where
    }
    unit = given(args, "unit")
    if unit and not any("unit" in line for line in args.lines):
        supplied["lines.*.unit"] = "--unit"
    setattr(args, SUPPLIED_BY, supplied)
    lines = [{**unit, **line, **where} for line in args.lines]
    fields = given(args, "reference", "warehouse", "expires_at")
    cmd = parse(ReserveOrder, {**fields, "lines": lines})
    order = reserve_order(
        cmd, services.uow(), services.clock, services.new_id, alerts=services.alerts
    )
    _show(console, order)
    return 0


def orders_ship(args: argparse.Namespace, services: Services, console: Console) -> int:
    id = find_order(args.order, services.uow()).id
    _show(console, ship_order(id, services.uow(), services.clock, services.new_id, ACTOR))
    return 0


def orders_cancel(args: argparse.Namespace, services: Services, console: Console) -> int:
    id = find_order(args.order, services.uow()).id
    _show(console, cancel_order(id, services.uow(), services.clock))
    return 0


def orders_show(args: argparse.Namespace, services: Services, console: Console) -> int:
    _show(console, find_order(args.order, services.uow()))
    return 0


def orders_list(args: argparse.Namespace, services: Services, console: Console) -> int:
    filters = given(args, "status", "warehouse", "reference", "limit", "cursor", "sort")
    page = list_orders(parse_query(OrderList, filters), services.uow())
    items = [OrderView.of(order).to_json() for order in page.items]
    if console.as_json:
        console.page(items, page.next_cursor, ORDER_COLUMNS)
    else:
        rows = [{**item, "lines": _lines_text(item)} for item in items]
        console.page(rows, page.next_cursor, ORDER_COLUMNS)
    return 0


def _show(console: Console, order: Order) -> None:
    """An order's fields, then where each line's units are reserved (or were shipped from)."""
    data = OrderView.of(order).to_json()
    console.show(data, text={"lines": _lines_text(data)})
    if not console.as_json:
        lines = data["lines"]
        assert isinstance(lines, list)
        rows = [{"sku": line["sku"], **a} for line in lines for a in line["allocations"]]
        serial = any("serials" in row for row in rows)
        console.line("")
        columns = (*ALLOCATION_COLUMNS, *SERIALS_COLUMN) if serial else ALLOCATION_COLUMNS
        console.table(rows, columns)


def _lines_text(order: Mapping[str, object]) -> str:
    """An order's lines as ``--line`` spells them: ``WIDGET-1:3 WATER:2:case``."""
    lines = order["lines"]
    assert isinstance(lines, list)
    return " ".join(_line_text(line) for line in lines)


def _line_text(line: Mapping[str, Any]) -> str:
    # As it was entered: in the unit it named, if any.
    entered = line.get("entered")
    if isinstance(entered, Mapping):
        return f"{line['sku']}:{entered['quantity']}:{entered['unit']}"
    return f"{line['sku']}:{line['quantity']}"
