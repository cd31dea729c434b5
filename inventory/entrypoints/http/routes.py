"""The route table of the whole API, and the WSGI application built from it."""

from __future__ import annotations

from inventory.bootstrap import Services
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.http.middleware import WsgiApp
from inventory.entrypoints.http.resources import (
    catalog,
    jobs,
    keys,
    ledger,
    locations,
    lots,
    orders,
    scanning,
    serials,
)
from inventory.entrypoints.http.resources.ops import ops_routes
from inventory.entrypoints.http.routing import Route

API_ROUTES: list[Route] = [
    *catalog.ROUTES,
    *locations.ROUTES,
    *lots.ROUTES,
    *serials.ROUTES,
    *ledger.ROUTES,
    *orders.ROUTES,
    *jobs.ROUTES,
    *keys.ROUTES,
    *scanning.ROUTES,
]


def create_app(services: Services) -> WsgiApp:
    """The WSGI application serving every route over ``services``."""
    return wsgi_app(services, [*API_ROUTES, *ops_routes(API_ROUTES)])
