"""What clients see of one serial-numbered unit (API.md §12), shared by HTTP and the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from inventory.application.serials import SerialTrace
from inventory.application.views import MovementView, TimeOut, View
from inventory.domain.serials import SerialStatus

_STATUS = (
    "in_stock or reserved (it is at warehouse and location), shipped (with order),"
    " issued or written_off (warehouse and location: where it was last)"
)


class SerialView(View):
    """Where one serial-numbered unit is now, and every movement that moved it, oldest first."""

    sku: str
    serial: str
    status: Annotated[SerialStatus, Field(description=_STATUS)]
    warehouse: Annotated[str, Field(description="Where it is, or was last")]
    location: Annotated[str, Field(description="Where it is, or was last")]
    lot: Annotated[
        str | None, Field(description="Always null: a serial-tracked product has no lots")
    ] = None
    order: Annotated[
        str | None, Field(description="The id of the order that reserved or shipped it")
    ] = None
    received_at: Annotated[TimeOut, Field(description="When it was last received")]
    movements: Annotated[
        list[dict[str, Any]], Field(description="Every movement that moved it, oldest first")
    ]

    @classmethod
    def of(cls, trace: SerialTrace) -> SerialView:
        unit = trace.unit
        return cls(
            sku=unit.sku,
            serial=unit.serial,
            status=unit.status,
            warehouse=unit.warehouse,
            location=unit.location,
            order=unit.order_id,
            received_at=unit.received_at,
            movements=[MovementView.of(m).to_json() for m in trace.movements],
        )
