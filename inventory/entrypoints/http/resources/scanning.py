"""Scanning: what a scanned code names (API.md §13)."""

from __future__ import annotations

from inventory.application.scanning import scan
from inventory.application.views import ScanView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

SCAN = "/api/v1/scan"


def scan_code(call: Call) -> Response:
    return one(ScanView.of(scan(call.params["code"], call.uow(), call.services.clock)))


# Not cached: an answer depends on barcodes any product change may move.
ROUTES = [
    Route("GET", f"{SCAN}/{{code:scanned}}", scan_code, Role.VIEWER,
          "What a scanned barcode or GS1 element string names", "scanning",
          response=ScanView,
          responses={422: "a malformed GS1 element string or a GTIN with a wrong check digit"}),
]  # fmt: skip
