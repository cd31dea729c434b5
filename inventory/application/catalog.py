"""Use cases of the catalog: products and warehouses."""

from __future__ import annotations

from collections.abc import Iterator

from inventory.application.barcodes import barcodes_of_product, check_barcodes_free
from inventory.application.commands import (
    CreateProduct,
    CreateWarehouse,
    PatchProduct,
    ProductFields,
)
from inventory.application.listing import (
    LEVEL_SORTS,
    PRODUCT_SORTS,
    WAREHOUSE_SORTS,
    LevelList,
    ProductList,
    WarehouseList,
)
from inventory.application.pagination import Page
from inventory.application.ports import Clock, SlotFigures, UnitOfWork
from inventory.domain.catalog import Product, ProductDetails, Warehouse, patched
from inventory.domain.errors import Conflict, NotFound, PreconditionFailed
from inventory.domain.locations import Location
from inventory.domain.lots import Tracking
from inventory.domain.stock import StockLevel


def add_product(cmd: CreateProduct, uow: UnitOfWork, clock: Clock) -> Product:
    """Register a new product; its sku must be new, ignoring case (archived products count)."""
    with uow:
        existing = uow.products.get_many_ignoring_case([cmd.sku]).get(cmd.sku.lower())
        if existing is not None:
            raise Conflict(product_exists(cmd.sku, existing))
        product = Product.register(cmd.sku, cmd.details(), clock())
        _check_barcodes(uow, product, None)
        uow.products.add(product)
        uow.commit()
    return product


def replace_product(
    sku: str, cmd: ProductFields, uow: UnitOfWork, clock: Clock, if_version: int | None = None
) -> Product:
    """Replace every client-owned field of a product (omitted ones return to defaults)."""
    with uow:
        product = _current(uow, sku, if_version)
        details = cmd.details()
        before = product.details
        product.revise(details, clock(), _held(uow, product, details.tracking))
        _check_barcodes(uow, product, before)
        uow.products.save(product)
        uow.commit()
    return product


def patch_product(
    sku: str, cmd: PatchProduct, uow: UnitOfWork, clock: Clock, if_version: int | None = None
) -> Product:
    """Change only the fields the patch names."""
    with uow:
        product = _current(uow, sku, if_version)
        details = patched(product.details, cmd.changes())
        before = product.details
        product.revise(details, clock(), _held(uow, product, details.tracking))
        _check_barcodes(uow, product, before)
        uow.products.save(product)
        uow.commit()
    return product


def archive_product(
    sku: str, uow: UnitOfWork, clock: Clock, if_version: int | None = None
) -> Product:
    """Retire a product that holds no stock anywhere; it then takes no movements."""
    with uow:
        product = _current(uow, sku, if_version)
        levels = uow.stock.of_product(sku)
        on_hand = sum(level.on_hand for level in levels)
        reserved = sum(level.reserved for level in levels)
        product.archive(on_hand, reserved, clock())
        uow.products.save(product)
        uow.commit()
    return product


def _check_barcodes(uow: UnitOfWork, product: Product, before: ProductDetails | None) -> None:
    # Only barcodes the write adds: one the product already held stays its own.
    d = product.details
    held = set() if before is None else set(_printed(before))
    new = [code for code in _printed(d) if code not in held]
    check_barcodes_free(uow, new, sku=product.sku)


def _printed(details: ProductDetails) -> list[str]:
    return barcodes_of_product(details.barcode, (pack.barcode for pack in details.packs))


def _held(uow: UnitOfWork, product: Product, tracking: Tracking) -> int:
    # Read only when the tracking changes: the one revision the stock can refuse.
    if tracking == product.details.tracking:
        return 0
    return sum(level.on_hand for level in uow.stock.of_product(product.sku))


def get_product(sku: str, uow: UnitOfWork) -> Product:
    """One product by sku."""
    with uow.reading():
        return require_product(uow, sku)


def list_products(params: ProductList, uow: UnitOfWork) -> Page[Product]:
    """A page of products matching the filters."""
    spec = PRODUCT_SORTS.spec(params)
    with uow.reading():
        rows = uow.products.fetch_page(params.filter(), spec)
    return PRODUCT_SORTS.page(rows, spec)


def product_stock(sku: str, uow: UnitOfWork) -> list[StockLevel]:
    """The product's stock in every warehouse that ever held it."""
    with uow.reading():
        require_product(uow, sku)
        return uow.stock.of_product(sku)


def product_stock_detail(sku: str, uow: UnitOfWork) -> tuple[list[StockLevel], list[SlotFigures]]:
    """The product's stock in every warehouse, and per location and lot where it is held."""
    with uow.reading():
        require_product(uow, sku)
        return uow.stock.of_product(sku), uow.stock.slot_figures_of_product(sku)


def export_products(uow: UnitOfWork) -> Iterator[Product]:
    """Every product, archived ones too, by sku, streamed."""
    with uow.reading():
        yield from uow.products.stream()


def add_warehouse(cmd: CreateWarehouse, uow: UnitOfWork, clock: Clock) -> Warehouse:
    """Open a new warehouse, with its default location; its code must be new, ignoring case."""
    with uow:
        existing = uow.warehouses.get_ignoring_case(cmd.code)
        if existing is not None:
            same = "" if existing.code == cmd.code else "; warehouse codes are unique ignoring case"
            raise Conflict(f"warehouse {existing.code!r} already exists{same}")
        warehouse = Warehouse(cmd.code, cmd.name, clock())
        uow.warehouses.add(warehouse)
        default = Location(
            warehouse.code,
            cmd.default_location,
            name="Default location",
            created_at=warehouse.created_at,
        )
        uow.locations.add(default, default=True)
        uow.commit()
    return warehouse


def get_warehouse(code: str, uow: UnitOfWork) -> Warehouse:
    """One warehouse by code."""
    with uow.reading():
        return require_warehouse(uow, code)


def list_warehouses(params: WarehouseList, uow: UnitOfWork) -> Page[Warehouse]:
    """A page of warehouses by code."""
    spec = WAREHOUSE_SORTS.spec(params)
    with uow.reading():
        rows = uow.warehouses.fetch_page(spec)
    return WAREHOUSE_SORTS.page(rows, spec)


def warehouse_stock(code: str, params: LevelList, uow: UnitOfWork) -> Page[StockLevel]:
    """A page of the stock levels one warehouse holds, by sku."""
    spec = LEVEL_SORTS.spec(params)
    with uow.reading():
        require_warehouse(uow, code)
        rows = uow.stock.fetch_page(code, spec)
    return LEVEL_SORTS.page(rows, spec)


def product_exists(sku: str, existing: Product) -> str:
    """Why ``sku`` cannot be registered: ``existing`` has it, ignoring case."""
    detail = f"product {existing.sku!r} already exists"
    notes = []
    if existing.archived:
        detail += " and is archived"
    if sku != existing.sku:
        notes.append("skus are unique ignoring case")
    if existing.archived:
        notes.append("an archived product cannot be restored, so use another sku")
    return "; ".join([detail, ", and ".join(notes)]) if notes else detail


def require_product(uow: UnitOfWork, sku: str) -> Product:
    """The product, or ``NotFound`` naming the sku."""
    product = uow.products.get(sku)
    if product is None:
        raise NotFound(f"product {sku!r} not found")
    return product


def require_warehouse(uow: UnitOfWork, code: str) -> Warehouse:
    """The warehouse, or ``NotFound`` naming the code."""
    warehouse = uow.warehouses.get(code)
    if warehouse is None:
        raise NotFound(f"warehouse {code!r} not found")
    return warehouse


def _current(uow: UnitOfWork, sku: str, if_version: int | None) -> Product:
    product = require_product(uow, sku)
    if if_version is not None and product.version != if_version:
        raise PreconditionFailed(
            f"product {sku!r} is at version {product.version}, not {if_version}"
        )
    return product
