"""The catalog: ``products add|list|show|update|archive`` and ``warehouses add|list``."""

from __future__ import annotations

import argparse

from inventory.application.catalog import (
    add_product,
    add_warehouse,
    archive_product,
    get_product,
    list_products,
    list_warehouses,
    patch_product,
    product_stock,
    product_stock_detail,
)
from inventory.application.commands import CreateProduct, CreateWarehouse, PatchProduct
from inventory.application.listing import ProductList, WarehouseList
from inventory.application.validation import parse, parse_query
from inventory.application.views import ProductStockView, ProductView, WarehouseView
from inventory.bootstrap import Services
from inventory.entrypoints.cli.arguments import (
    Subcommands,
    UsageError,
    add_paging,
    command,
    command_group,
    given,
    pack,
    packs_text,
)
from inventory.entrypoints.cli.flags import SUPPLIED_BY
from inventory.entrypoints.cli.output import Console

PRODUCT_FIELDS = (
    "name", "description", "category", "unit", "barcode", "reorder_point", "reorder_quantity",
    "tracking", "shelf_life_days", "packs",
)  # fmt: skip
PRODUCT_COLUMNS = (
    "sku", "name", "category", "unit", "reorder_point", "reorder_quantity", "average_cost",
)  # fmt: skip
STOCK_COLUMNS = ("warehouse", "on_hand", "reserved", "available")
DETAIL_COLUMNS = (
    "warehouse", "location", "lot", "expires_on", "on_hand", "reserved", "available",
)  # fmt: skip
WAREHOUSE_COLUMNS = ("code", "name", "created_at")
PAGING = ("limit", "cursor", "sort")


def register(commands: Subcommands, shared: argparse.ArgumentParser) -> None:
    _register_products(command_group(commands, "products", "the product catalog", shared), shared)
    _register_warehouses(command_group(commands, "warehouses", "warehouses", shared), shared)


def _register_products(products: Subcommands, shared: argparse.ArgumentParser) -> None:
    add = command(products, "add", products_add, "register a new product", shared)
    add.add_argument("--sku", required=True, help="letters, digits, '.', '_', '-'; immutable")
    add.add_argument("--name", required=True)
    _add_product_fields(add)

    listing = command(products, "list", products_list, "list products", shared)
    listing.add_argument("--q", help="case-insensitive part of the sku or name")
    listing.add_argument("--category")
    listing.add_argument(
        "--archived", action="store_true", default=None, help="list archived products instead"
    )
    listing.add_argument(
        "--below-reorder",
        action="store_true",
        default=None,
        help="only products whose total available is at or below their reorder point",
    )
    add_paging(listing, "sku (default), name, created_at or updated_at")

    show = command(
        products,
        "show",
        products_show,
        "show a product and its stock in every warehouse",
        shared,
        epilog='With --json: the product object plus "stock", the product\'s stock object\n'
        '(with --detail, each warehouse\'s "levels" per location and lot).',
    )
    show.add_argument("sku", metavar="SKU")
    show.add_argument(
        "--detail",
        action="store_true",
        help="also its stock per location and lot (with expiry dates) where it is held",
    )

    update = command(
        products,
        "update",
        products_update,
        "change some fields of a product",
        shared,
        epilog="Only the options given change (a merge patch); --clear FIELD returns a field\n"
        "to its default.",
    )
    update.add_argument("sku", metavar="SKU")
    update.add_argument("--name")
    _add_product_fields(update)
    update.add_argument(
        "--clear",
        action="append",
        default=[],
        metavar="FIELD",
        help="return FIELD to its default (repeatable), e.g. --clear barcode",
    )
    _add_if_version(update)

    archive = command(
        products, "archive", products_archive, "archive a product that holds no stock", shared
    )
    archive.add_argument("sku", metavar="SKU")
    _add_if_version(archive)


def _register_warehouses(warehouses: Subcommands, shared: argparse.ArgumentParser) -> None:
    add = command(warehouses, "add", warehouses_add, "open a new warehouse", shared)
    add.add_argument("--code", required=True, help="letters, digits, '.', '_', '-'")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--default-location",
        metavar="CODE",
        help="the code of its default location; default DEFAULT",
    )

    listing = command(warehouses, "list", warehouses_list, "list warehouses", shared)
    add_paging(listing, "code")


def _add_product_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--description")
    parser.add_argument("--category")
    parser.add_argument("--unit", help='the base unit counted, default "each"')
    parser.add_argument("--barcode")
    parser.add_argument(
        "--pack",
        dest="packs",
        action="append",
        type=pack,
        metavar="UNIT:QTY[:BARCODE]",
        help="another unit it comes in, QTY base units each (repeatable; all of them: update"
        " replaces the packs, --clear packs removes them)",
    )
    parser.add_argument("--reorder-point", type=int, metavar="N", help="default 0")
    parser.add_argument("--reorder-quantity", type=int, metavar="N", help="default 0")
    parser.add_argument(
        "--tracking",
        metavar="KIND",
        help="none (default), lot or serial; changes only while it has no stock",
    )
    parser.add_argument(
        "--shelf-life-days",
        type=int,
        metavar="N",
        help="days a lot received without --expires keeps (sets its expiry date)",
    )


def _add_if_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--if-version",
        type=int,
        metavar="N",
        help="refuse unless the product is still at version N",
    )


def products_add(args: argparse.Namespace, services: Services, console: Console) -> int:
    cmd = parse(CreateProduct, given(args, "sku", *PRODUCT_FIELDS))
    product = add_product(cmd, services.uow(), services.clock)
    _show(console, ProductView.of(product).to_json())
    return 0


def products_list(args: argparse.Namespace, services: Services, console: Console) -> int:
    params = parse_query(
        ProductList, given(args, "q", "category", "archived", "below_reorder", *PAGING)
    )
    page = list_products(params, services.uow())
    items = [ProductView.of(product).to_json() for product in page.items]
    console.page(items, page.next_cursor, PRODUCT_COLUMNS)
    return 0


def products_show(args: argparse.Namespace, services: Services, console: Console) -> int:
    product = ProductView.of(get_product(args.sku, services.uow())).to_json()
    if args.detail:
        view = ProductStockView.of(args.sku, *product_stock_detail(args.sku, services.uow()))
    else:
        view = ProductStockView.of(args.sku, product_stock(args.sku, services.uow()))
    stock = view.to_json()
    if console.as_json:
        console.document({**product, "stock": stock})
        return 0
    console.fields({**product, "packs": packs_text(product["packs"])})
    console.line("")
    totals = stock["totals"]
    levels = stock["warehouses"]
    assert isinstance(totals, dict)
    assert isinstance(levels, list)
    console.table([*levels, {"warehouse": "TOTAL", **totals}], STOCK_COLUMNS)
    if args.detail:
        console.line("")
        detail = [{"warehouse": w["warehouse"], **slot} for w in levels for slot in w["levels"]]
        console.table(detail, DETAIL_COLUMNS)
    return 0


def products_update(args: argparse.Namespace, services: Services, console: Console) -> int:
    changes = given(args, *PRODUCT_FIELDS)
    cleared = {field.replace("-", "_"): None for field in args.clear}
    spelt = {field.replace("-", "_"): f"--clear {field}" for field in args.clear}
    setattr(args, SUPPLIED_BY, spelt)
    if both := sorted(changes.keys() & cleared.keys()):
        raise UsageError(f"cannot both set and --clear {', '.join(both)}")
    cmd = parse(PatchProduct, {**changes, **cleared})
    product = patch_product(args.sku, cmd, services.uow(), services.clock, args.if_version)
    _show(console, ProductView.of(product).to_json())
    return 0


def products_archive(args: argparse.Namespace, services: Services, console: Console) -> int:
    product = archive_product(args.sku, services.uow(), services.clock, args.if_version)
    _show(console, ProductView.of(product).to_json())
    return 0


def _show(console: Console, product: dict[str, object]) -> None:
    console.show(product, text={"packs": packs_text(product["packs"])})


def warehouses_add(args: argparse.Namespace, services: Services, console: Console) -> int:
    cmd = parse(CreateWarehouse, given(args, "code", "name", "default_location"))
    warehouse = add_warehouse(cmd, services.uow(), services.clock)
    console.show(WarehouseView.of(warehouse).to_json())
    return 0


def warehouses_list(args: argparse.Namespace, services: Services, console: Console) -> int:
    page = list_warehouses(parse_query(WarehouseList, given(args, *PAGING)), services.uow())
    items = [WarehouseView.of(warehouse).to_json() for warehouse in page.items]
    console.page(items, page.next_cursor, WAREHOUSE_COLUMNS)
    return 0
