"""Locations (bins) inside a warehouse, and what each holds (API.md §11)."""

from __future__ import annotations

from inventory.application import locations
from inventory.application.commands import CreateLocation, PatchLocation
from inventory.application.listing import LOCATION_SORTS, LocationList, LocationStockQuery
from inventory.application.views import LocationStockView, LocationView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.request import JSON
from inventory.entrypoints.http.resources.catalog import MERGE_PATCH, WAREHOUSES
from inventory.entrypoints.http.response import Response, no_content
from inventory.entrypoints.http.routing import Call, Route

LOCATIONS = f"{WAREHOUSES}/{{code:code}}/locations"
LOCATION = f"{LOCATIONS}/{{location:code}}"


def create_location(call: Call) -> Response:
    warehouse = call.params["code"]
    location = locations.add_location(warehouse, call.body, call.uow(), call.services.clock)
    where = f"{WAREHOUSES}/{warehouse}/locations/{location.code}"
    return one(LocationView.of(location), 201, location=where)


def list_locations(call: Call) -> Response:
    page = locations.list_locations(call.params["code"], call.query, call.uow())
    return page_of(call, page, LocationView.of)


def show_location(call: Call) -> Response:
    location = locations.get_location(call.params["code"], call.params["location"], call.uow())
    return one(LocationView.of(location))


def patch_location(call: Call) -> Response:
    warehouse, code = call.params["code"], call.params["location"]
    return one(LocationView.of(locations.patch_location(warehouse, code, call.body, call.uow())))


def location_stock(call: Call) -> Response:
    warehouse, code = call.params["code"], call.params["location"]
    descendants = call.query.descendants
    held = locations.location_stock(warehouse, code, call.uow(), descendants)
    return one(LocationStockView.of(warehouse, code, descendants, held))


def archive_location(call: Call) -> Response:
    locations.archive_location(call.params["code"], call.params["location"], call.uow())
    return no_content()


_TAKEN = (
    "its code (ignoring case) is taken, its barcode names another location, product or pack,"
    " its parent is archived, or a cycle"
)
ROUTES = [
    Route("POST", LOCATIONS, create_location, Role.ADMIN, "Add a location to a warehouse",
          "locations", status=201, body=CreateLocation, response=LocationView,
          responses={404: "no such warehouse, or no such parent", 409: _TAKEN}),
    Route("GET", LOCATIONS, list_locations, Role.VIEWER, "List a warehouse's locations",
          "locations", query=LocationList, sorting=LOCATION_SORTS, response=LocationView,
          paged=True, responses={404: "no such warehouse"}),
    Route("GET", LOCATION, show_location, Role.VIEWER, "Show a location", "locations",
          response=LocationView, responses={404: "no such warehouse or location"}),
    Route("GET", f"{LOCATION}/stock", location_stock, Role.VIEWER,
          "What a location holds, per sku and lot (descendants=true: its whole subtree)",
          "locations", query=LocationStockQuery, response=LocationStockView,
          responses={404: "no such warehouse or location"}),
    Route("PATCH", LOCATION, patch_location, Role.ADMIN,
          "Change some of a location's fields (JSON merge patch)", "locations",
          body=PatchLocation, body_types=(JSON, MERGE_PATCH), response=LocationView,
          responses={404: "no such warehouse, location or parent", 409: _TAKEN}),
    Route("DELETE", LOCATION, archive_location, Role.ADMIN,
          "Archive a location (never the default, nor one with open locations inside)",
          "locations", status=204,
          responses={404: "no such warehouse or location",
                     409: "the warehouse's default location, or one with open locations in it"}),
]  # fmt: skip
