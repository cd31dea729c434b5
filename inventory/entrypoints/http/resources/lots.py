"""Lots: a product's lots, lots about to expire, and a lot's trace for recalls (API.md §12)."""

from __future__ import annotations

from inventory.application import lots
from inventory.application.views import LotTraceView, LotView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.resources.catalog import PRODUCTS
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

PRODUCT_LOTS = f"{PRODUCTS}/{{sku:code}}/lots"


def product_lots(call: Call) -> Response:
    page = lots.product_lots(call.params["sku"], call.query, call.uow())
    return page_of(call, page, LotView.of)


def expiring_lots(call: Call) -> Response:
    return page_of(call, lots.expiring_lots(call.query, call.uow()), LotView.of)


def trace_lot(call: Call) -> Response:
    trace = lots.trace_lot(call.params["sku"], call.params["lot"], call.uow())
    return one(LotTraceView.of(trace))


ROUTES = [
    Route("GET", PRODUCT_LOTS, product_lots, Role.VIEWER,
          "A product's lots, soonest to expire first, with what each warehouse holds", "lots",
          query=lots.LotList, sorting=lots.LOT_SORTS, response=LotView, paged=True,
          cached=("product:{sku}",), responses={404: "no such product"}),
    Route("GET", "/api/v1/lots", expiring_lots, Role.VIEWER,
          "Dated lots with stock, soonest to expire first", "lots",
          query=lots.ExpiringLotList, sorting=lots.EXPIRING_SORTS, response=LotView, paged=True,
          cached=("levels",), responses={404: "no such warehouse"}),
    Route("GET", f"{PRODUCT_LOTS}/{{lot:code}}/trace", trace_lot, Role.VIEWER,
          "Every movement and order that touched a lot, and where it is now (recalls)", "lots",
          response=LotTraceView, responses={404: "no such product or lot"}),
]  # fmt: skip
