"""Products and warehouses (API.md §2, §3)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from inventory.application import catalog
from inventory.application import scopes as scoping
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
    StockQuery,
    WarehouseList,
)
from inventory.application.views import LevelView, ProductStockView, ProductView, WarehouseView
from inventory.domain.catalog import Product
from inventory.domain.errors import PreconditionFailed
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.request import JSON
from inventory.entrypoints.http.response import Response, no_content
from inventory.entrypoints.http.routing import Call, Route

PRODUCTS = "/api/v1/products"
WAREHOUSES = "/api/v1/warehouses"
MERGE_PATCH = "application/merge-patch+json"

_VERSION_TAG = re.compile(r'^"v(\d{1,18})"$')


def product_etag(product: Product) -> str:
    """A product's ETag is its version: every change to what clients see bumps it."""
    return f'"v{product.version}"'


def _product(product: Product, status: int = 200, location: str | None = None) -> Response:
    return one(ProductView.of(product), status, location=location, etag=product_etag(product))


def _expected_version(call: Call) -> int | None:
    """The version ``If-Match`` requires, checked inside the write's own transaction.

    None when there is no condition (or ``*``, which any existing product meets).
    """
    header = call.request.header("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = {
        int(found.group(1))
        for tag in header.split(",")
        if (found := _VERSION_TAG.match(tag.strip())) is not None
    }
    if len(versions) == 1:
        return versions.pop()
    current = catalog.get_product(call.params["sku"], call.uow()).version
    if current not in versions:
        raise PreconditionFailed(
            f"product {call.params['sku']!r} is at version {current}; If-Match names another"
        )
    return current


def create_product(call: Call) -> Response:
    product = catalog.add_product(call.body, call.uow(), call.services.clock)
    return _product(product, 201, f"{PRODUCTS}/{product.sku}")


def list_products(call: Call) -> Response:
    return page_of(call, catalog.list_products(call.query, call.uow()), ProductView.of)


def show_product(call: Call) -> Response:
    return _product(catalog.get_product(call.params["sku"], call.uow()))


def replace_product(call: Call) -> Response:
    version = _expected_version(call)
    sku = call.params["sku"]
    return _product(
        catalog.replace_product(sku, call.body, call.uow(), call.services.clock, version)
    )


def patch_product(call: Call) -> Response:
    version = _expected_version(call)
    sku = call.params["sku"]
    return _product(catalog.patch_product(sku, call.body, call.uow(), call.services.clock, version))


def archive_product(call: Call) -> Response:
    version = _expected_version(call)
    catalog.archive_product(call.params["sku"], call.uow(), call.services.clock, version)
    return no_content()


def product_stock(call: Call) -> Response:
    sku = call.params["sku"]
    if call.query.detail:
        levels, slots = catalog.product_stock_detail(sku, call.uow())
        return one(ProductStockView.of(sku, levels, slots))
    return one(ProductStockView.of(sku, catalog.product_stock(sku, call.uow())))


def create_warehouse(call: Call) -> Response:
    warehouse = catalog.add_warehouse(call.body, call.uow(), call.services.clock)
    return one(WarehouseView.of(warehouse), 201, location=f"{WAREHOUSES}/{warehouse.code}")


def list_warehouses(call: Call) -> Response:
    return page_of(call, catalog.list_warehouses(call.query, call.uow()), WarehouseView.of)


def show_warehouse(call: Call) -> Response:
    return one(WarehouseView.of(catalog.get_warehouse(call.params["code"], call.uow())))


def warehouse_stock(call: Call) -> Response:
    levels = catalog.warehouse_stock(call.params["code"], call.query, call.uow())
    return page_of(call, levels, LevelView.of)


def product_list_scopes(params: Mapping[str, str], query: str) -> scoping.Scopes:
    """The product list: every product, and every level when filtered on stock."""
    if "below_reorder" in query:  # in any spelling the parser may take: better too often
        return scoping.scopes(scoping.PRODUCTS, scoping.LEVELS)
    return scoping.scopes(scoping.PRODUCTS)


_ARCHIVED_STOCK = "the product holds stock, or If-Match names an older version"
_BARCODE_TAKEN = "a barcode it or a pack prints names another product, pack or location"
ROUTES = [
    Route("POST", PRODUCTS, create_product, Role.ADMIN, "Add a product", "products",
          status=201, body=CreateProduct, response=ProductView,
          responses={409: f"a product with this sku exists, or {_BARCODE_TAKEN}"}),
    Route("GET", PRODUCTS, list_products, Role.VIEWER, "List products", "products",
          query=ProductList, sorting=PRODUCT_SORTS, response=ProductView, paged=True,
          cached=product_list_scopes),
    Route("GET", f"{PRODUCTS}/{{sku:code}}", show_product, Role.VIEWER, "Show a product",
          "products", response=ProductView, cached=("product:{sku}",)),
    Route("PUT", f"{PRODUCTS}/{{sku:code}}", replace_product, Role.ADMIN,
          "Replace a product's fields (omitted ones return to their defaults)", "products",
          body=ProductFields, response=ProductView,
          responses={409: _BARCODE_TAKEN, 412: "If-Match names an older version"}),
    Route("PATCH", f"{PRODUCTS}/{{sku:code}}", patch_product, Role.ADMIN,
          "Change some of a product's fields (JSON merge patch)", "products",
          body=PatchProduct, body_types=(JSON, MERGE_PATCH), response=ProductView,
          responses={409: _BARCODE_TAKEN, 412: "If-Match names an older version"}),
    Route("DELETE", f"{PRODUCTS}/{{sku:code}}", archive_product, Role.ADMIN,
          "Archive a product that holds no stock", "products", status=204,
          responses={409: _ARCHIVED_STOCK, 412: "If-Match names an older version"}),
    Route("GET", f"{PRODUCTS}/{{sku:code}}/stock", product_stock, Role.VIEWER,
          "A product's stock in every warehouse", "products", query=StockQuery,
          response=ProductStockView, cached=("product:{sku}",)),
    Route("POST", WAREHOUSES, create_warehouse, Role.ADMIN, "Open a warehouse", "warehouses",
          status=201, body=CreateWarehouse, response=WarehouseView,
          responses={409: "a warehouse with this code exists"}),
    Route("GET", WAREHOUSES, list_warehouses, Role.VIEWER, "List warehouses", "warehouses",
          query=WarehouseList, sorting=WAREHOUSE_SORTS, response=WarehouseView, paged=True),
    Route("GET", f"{WAREHOUSES}/{{code:code}}", show_warehouse, Role.VIEWER,
          "Show a warehouse", "warehouses", response=WarehouseView),
    Route("GET", f"{WAREHOUSES}/{{code:code}}/stock", warehouse_stock, Role.VIEWER,
          "The stock levels a warehouse holds", "warehouses",
          query=LevelList, sorting=LEVEL_SORTS, response=LevelView, paged=True,
          cached=("warehouse:{code}",)),
]  # fmt: skip
