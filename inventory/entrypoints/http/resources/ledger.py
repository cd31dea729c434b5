"""Stock movements, the ledger (API.md §4)."""

from __future__ import annotations

from inventory.application import scopes as scoping
from inventory.application import stock
from inventory.application.commands import MOVEMENT_COMMAND
from inventory.application.listing import MOVEMENT_SORTS, MovementList
from inventory.application.views import MovementView
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

MOVEMENTS = "/api/v1/movements"


def record_movement(call: Call) -> Response:
    services = call.services
    movement = stock.record_movement(
        call.body, call.uow(), services.clock, services.new_id, call.actor, alerts=services.alerts
    )
    return one(MovementView.of(movement), 201, location=f"{MOVEMENTS}/{movement.id}")


def list_movements(call: Call) -> Response:
    return page_of(call, stock.list_movements(call.query, call.uow()), MovementView.of)


def show_movement(call: Call) -> Response:
    return one(MovementView.of(stock.get_movement(call.params["id"], call.uow())))


ROUTES = [
    Route("POST", MOVEMENTS, record_movement, Role.CLERK,
          "Record a receipt, issue, transfer or adjustment", "movements",
          status=201, body=MOVEMENT_COMMAND, response=MovementView,
          responses={409: "not enough available stock, or the product is archived"}),
    Route("GET", MOVEMENTS, list_movements, Role.VIEWER, "List the ledger", "movements",
          query=MovementList, sorting=MOVEMENT_SORTS, response=MovementView, paged=True,
          cached=(scoping.MOVEMENTS,)),
    Route("GET", f"{MOVEMENTS}/{{id:id}}", show_movement, Role.VIEWER, "Show a movement",
          "movements", response=MovementView),
]  # fmt: skip
