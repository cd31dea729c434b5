"""Orders: reservations that are shipped, cancelled or expire (API.md §5)."""

from __future__ import annotations

from inventory.application import orders
from inventory.application.commands import ReserveOrder
from inventory.application.listing import ORDER_SORTS, OrderList
from inventory.application.views import OrderView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

ORDERS = "/api/v1/orders"


def reserve_order(call: Call) -> Response:
    services = call.services
    order = orders.reserve_order(
        call.body, call.uow(), services.clock, services.new_id, alerts=services.alerts
    )
    return one(OrderView.of(order), 201, location=f"{ORDERS}/{order.id}")


def ship_order(call: Call) -> Response:
    services = call.services
    order = orders.ship_order(
        call.params["id"], call.uow(), services.clock, services.new_id, call.actor
    )
    return one(OrderView.of(order))


def cancel_order(call: Call) -> Response:
    order = orders.cancel_order(call.params["id"], call.uow(), call.services.clock)
    return one(OrderView.of(order))


def list_orders(call: Call) -> Response:
    return page_of(call, orders.list_orders(call.query, call.uow()), OrderView.of)


def show_order(call: Call) -> Response:
    return one(OrderView.of(orders.get_order(call.params["id"], call.uow())))


_NOT_RESERVED = "the order is not reserved (already shipped, cancelled or expired)"
ROUTES = [
    Route("POST", ORDERS, reserve_order, Role.CLERK, "Reserve every line of an order, or none",
          "orders", status=201, body=ReserveOrder, response=OrderView,
          responses={409: "a line is short (each listed in errors), or the reference exists"}),
    Route("GET", ORDERS, list_orders, Role.VIEWER, "List orders", "orders",
          query=OrderList, sorting=ORDER_SORTS, response=OrderView, paged=True),
    Route("GET", f"{ORDERS}/{{id:id}}", show_order, Role.VIEWER, "Show an order", "orders",
          response=OrderView),
    Route("POST", f"{ORDERS}/{{id:id}}/ship", ship_order, Role.CLERK,
          "Ship a reserved order: one issue movement per line", "orders",
          response=OrderView, responses={409: _NOT_RESERVED}),
    Route("POST", f"{ORDERS}/{{id:id}}/cancel", cancel_order, Role.CLERK,
          "Cancel a reserved order and release its stock", "orders",
          response=OrderView, responses={409: _NOT_RESERVED}),
]  # fmt: skip
