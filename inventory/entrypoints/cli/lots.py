"""Lots of lot-tracked products: ``lots list|trace`` (API.md §12, §16).

``lots list SKU``: one product's lots; ``lots list`` without one: dated lots with
stock, soonest to expire first. ``lots trace``: where a lot went, for a recall.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence

from inventory.application.lots import (
    ExpiringLotList,
    LotList,
    expiring_lots,
    product_lots,
    trace_lot,
)
from inventory.application.validation import parse_query
from inventory.application.views import LotTraceView, LotView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import (
    Subcommands,
    UsageError,
    add_paging,
    command,
    command_group,
    given,
)
from inventory.entrypoints.cli.output import Console

PAGING = ("limit", "cursor", "sort")
EXPIRING_FILTERS = ("expiring_before", "warehouse")
PRODUCT_LOT_COLUMNS = (
    "code", "expires_on", "manufactured_on", "received_at", "warehouse", "on_hand", "reserved",
    "available",
)  # fmt: skip
EXPIRING_COLUMNS = ("sku", "code", "expires_on", "warehouse", "on_hand", "reserved", "available")
TRACE_MOVEMENT_COLUMNS = (
    "created_at", "type", "warehouse", "location", "quantity", "reference", "created_by",
)  # fmt: skip
TRACE_ORDER_COLUMNS = ("created_at", "reference", "warehouse", "status", "location", "quantity")
TRACE_STOCK_COLUMNS = ("warehouse", "location", "on_hand", "reserved", "available")

LIST_EPILOG = """\
With SKU: that product's lots, soonest to expire first (--sort code: by code),
each with what every warehouse holds of it. Without SKU: the lots of every
product that have an expiry date and stock, soonest first; --expiring-before
and --warehouse narrow them. Tables show one row per lot and warehouse."""
TRACE_EPILOG = """\
Prints the lot, then every movement and order that touched it, oldest first
(QUANTITY: the units of this lot), then where its units are now."""


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    lots = command_group(commands, "lots", "lots of lot-tracked products, and their expiry", shared)

    listing = command(lots, "list", lots_list, "list a product's lots, or lots expiring soon",
                      shared, LIST_EPILOG)  # fmt: skip
    listing.add_argument("sku", metavar="SKU", nargs="?", help="the product whose lots to list")
    listing.add_argument(
        "--expiring-before",
        metavar="DATE",
        help="without SKU: only lots that expire before DATE (YYYY-MM-DD)",
    )
    listing.add_argument(
        "--warehouse", metavar="CODE", help="without SKU: only lots with stock in CODE"
    )
    add_paging(listing, "expires_on (default) or, with SKU, code")

    trace = command(lots, "trace", lots_trace, "where a lot went: for a recall", shared,
                    TRACE_EPILOG)  # fmt: skip
    trace.add_argument("sku", metavar="SKU")
    trace.add_argument("lot", metavar="LOT")


def lots_list(args: argparse.Namespace, services: Services, console: Console) -> int:
    filters = given(args, *EXPIRING_FILTERS)
    if args.sku is None:
        params = parse_query(ExpiringLotList, {**filters, **given(args, *PAGING)})
        page = expiring_lots(params, services.uow())
        columns: Sequence[str] = EXPIRING_COLUMNS
    else:
        if filters:
            spelt = " and ".join(f"--{name.replace('_', '-')}" for name in filters)
            raise UsageError(f"{spelt}: list the lots of every product; give no SKU")
        page = product_lots(args.sku, parse_query(LotList, given(args, *PAGING)), services.uow())
        columns = PRODUCT_LOT_COLUMNS
    items = [LotView.of(figures).to_json() for figures in page.items]
    if console.as_json:
        console.page(items, page.next_cursor, columns)
    else:
        console.page([row for item in items for row in _per_warehouse(item)], page.next_cursor,
                     columns)  # fmt: skip
    return 0


def lots_trace(args: argparse.Namespace, services: Services, console: Console) -> int:
    trace = LotTraceView.of(trace_lot(args.sku, args.lot, services.uow())).to_json()
    if console.as_json:
        console.document(trace)
        return 0
    lot = args.lot
    console.fields({name: trace[name] for name in ("sku", "lot", "expires_on", "manufactured_on")})
    movements = _items(trace, "movements")
    orders = _items(trace, "orders")
    console.line("")
    console.line("Movements")
    console.table([_traced_movement(m, lot) for m in movements], TRACE_MOVEMENT_COLUMNS)
    console.line("")
    console.line("Orders")
    console.table([_traced_order(o, lot) for o in orders], TRACE_ORDER_COLUMNS)
    console.line("")
    console.line("In stock")
    console.table(_items(trace, "stock"), TRACE_STOCK_COLUMNS)
    return 0


def _per_warehouse(lot: Mapping[str, object]) -> list[Mapping[str, object]]:
    """A lot as table rows: one per warehouse that holds or reserves some, else one of totals."""
    warehouses = lot["warehouses"]
    assert isinstance(warehouses, list)
    if not warehouses:
        return [{**lot, "warehouse": None}]
    return [{**lot, **figures} for figures in warehouses]


def _items(data: Mapping[str, object], name: str) -> list[Mapping[str, object]]:
    items = data[name]
    assert isinstance(items, list)
    return items


def _traced_movement(movement: Mapping[str, object], lot: str) -> Mapping[str, object]:
    """A movement of a trace as a row: its warehouse(s) and location(s), and this lot's units."""
    mine = [a for a in _items(movement, "allocations") if a["lot"] == lot]
    if movement["type"] == "transfer":
        warehouse = f"{movement['from_warehouse']}->{movement['to_warehouse']}"
        location = _joined(f"{a['location']}->{a['to_location']}" for a in mine)
    else:
        warehouse = str(movement["warehouse"])
        location = _joined(str(a["location"]) for a in mine)
    quantity = sum(int(str(a["quantity"])) for a in mine)
    return {**movement, "warehouse": warehouse, "location": location, "quantity": quantity}


def _traced_order(order: Mapping[str, object], lot: str) -> Mapping[str, object]:
    """An order of a trace as a row: where it holds (or took) this lot, and how many."""
    mine = [
        a for line in _items(order, "lines") for a in _items(line, "allocations") if a["lot"] == lot
    ]
    quantity = sum(int(str(a["quantity"])) for a in mine)
    return {**order, "location": _joined(str(a["location"]) for a in mine), "quantity": quantity}


def _joined(values: Iterable[str]) -> str:
    """Distinct values in the order met, comma-separated."""
    return ", ".join(dict.fromkeys(values))
