"""Locations (bins) of a warehouse and what they hold: ``locations add|list|show|archive|stock``."""

from __future__ import annotations

import argparse

from inventory.application.commands import CreateLocation
from inventory.application.listing import LocationList
from inventory.application.locations import (
    add_location,
    archive_location,
    get_location,
    list_locations,
    location_stock,
)
from inventory.application.validation import parse, parse_query
from inventory.application.views import LocationStockView, LocationView
from inventory.bootstrap import Services
from inventory.domain.locations import LocationKind
from inventory.entrypoints.cli.arguments import (
    Subcommands,
    add_paging,
    command,
    command_group,
    given,
)
from inventory.entrypoints.cli.output import Console

LOCATION_COLUMNS = ("code", "name", "parent", "kind", "pickable", "barcode", "archived")
STOCK_COLUMNS = ("location", "sku", "lot", "expires_on", "on_hand", "reserved", "available")
PAGING = ("limit", "cursor", "sort")
KINDS = ", ".join(kind.value for kind in LocationKind)


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    locations = command_group(commands, "locations", "locations (bins) inside a warehouse", shared)

    add = command(locations, "add", locations_add, "add a location to a warehouse", shared)
    _add_warehouse(add)
    add.add_argument("--code", required=True, help="letters, digits, '.', '_', '-'; immutable")
    add.add_argument("--name")
    add.add_argument("--parent", metavar="CODE", help="the location it lies in")
    add.add_argument("--kind", help=f"{KINDS}; default bin")
    add.add_argument(
        "--pickable",
        action=argparse.BooleanOptionalAction,
        help="whether orders may pick from it (default --pickable)",
    )
    add.add_argument("--barcode")

    listing = command(locations, "list", locations_list, "list a warehouse's locations", shared)
    _add_warehouse(listing)
    listing.add_argument("--parent", metavar="CODE", help="only those directly inside CODE")
    listing.add_argument("--kind", help=f"only those of this kind: {KINDS}")
    listing.add_argument(
        "--pickable", action=argparse.BooleanOptionalAction, help="only pickable ones, or not"
    )
    listing.add_argument("--q", help="the beginning of the code, ignoring case")
    add_paging(listing, "code")

    show = command(locations, "show", locations_show, "show a location", shared)
    _add_warehouse(show)
    show.add_argument("code", metavar="CODE")

    archive = command(
        locations,
        "archive",
        locations_archive,
        "archive a location (never the warehouse's default, nor one with open locations in it)",
        shared,
    )
    _add_warehouse(archive)
    archive.add_argument("code", metavar="CODE")

    stock = command(
        locations,
        "stock",
        locations_stock,
        "what a location holds, per sku and lot",
        shared,
        epilog="Example: inventory locations stock --warehouse MAIN AISLE-1 --descendants",
    )
    _add_warehouse(stock)
    stock.add_argument("code", metavar="CODE")
    stock.add_argument(
        "--descendants",
        action="store_true",
        help="also every location inside it, down the whole tree",
    )


def _add_warehouse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", required=True, metavar="CODE")


def locations_add(args: argparse.Namespace, services: Services, console: Console) -> int:
    cmd = parse(
        CreateLocation, given(args, "code", "name", "parent", "kind", "pickable", "barcode")
    )
    location = add_location(args.warehouse, cmd, services.uow(), services.clock)
    console.show(LocationView.of(location).to_json())
    return 0


def locations_list(args: argparse.Namespace, services: Services, console: Console) -> int:
    params = parse_query(LocationList, given(args, "parent", "kind", "pickable", "q", *PAGING))
    page = list_locations(args.warehouse, params, services.uow())
    items = [LocationView.of(location).to_json() for location in page.items]
    console.page(items, page.next_cursor, LOCATION_COLUMNS)
    return 0


def locations_show(args: argparse.Namespace, services: Services, console: Console) -> int:
    location = get_location(args.warehouse, args.code, services.uow())
    console.show(LocationView.of(location).to_json())
    return 0


def locations_archive(args: argparse.Namespace, services: Services, console: Console) -> int:
    location = archive_location(args.warehouse, args.code, services.uow())
    console.show(LocationView.of(location).to_json())
    return 0


def locations_stock(args: argparse.Namespace, services: Services, console: Console) -> int:
    held = location_stock(args.warehouse, args.code, services.uow(), args.descendants)
    view = LocationStockView.of(args.warehouse, args.code, args.descendants, held).to_json()
    if console.as_json:
        console.document(view)
        return 0
    levels = view["levels"]
    assert isinstance(levels, list)
    # Without --descendants every level is at CODE itself: that column would say nothing.
    columns = STOCK_COLUMNS if args.descendants else STOCK_COLUMNS[1:]
    console.table(levels, columns)
    return 0
