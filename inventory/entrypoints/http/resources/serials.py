"""Serial numbers: where one unit is now, and its history (API.md §12)."""

from __future__ import annotations

from inventory.application import serials
from inventory.application.serial_views import SerialView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one
from inventory.entrypoints.http.resources.catalog import PRODUCTS
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route


def trace_serial(call: Call) -> Response:
    trace = serials.trace_serial(call.params["sku"], call.params["serial"], call.uow())
    return one(SerialView.of(trace))


ROUTES = [
    Route("GET", f"{PRODUCTS}/{{sku:code}}/serials/{{serial:code}}", trace_serial, Role.VIEWER,
          "Where a serial-numbered unit is now (or the order that shipped it), and its history",
          "serials", response=SerialView, responses={404: "no such product or serial"}),
]  # fmt: skip
