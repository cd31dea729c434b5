"""What clients see: the JSON shapes of every resource, shared by HTTP and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PrivateAttr, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from inventory.application.lots import LotFigures, LotTrace
from inventory.application.ports import HeldSlot, SlotFigures
from inventory.application.times import rfc3339
from inventory.domain.catalog import Product, Warehouse
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.keys import ApiKey, Role
from inventory.domain.locations import Location, LocationKind
from inventory.domain.lots import Tracking
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.packs import Entered, Pack
from inventory.domain.scanning import ScanAnswer, ScanKind
from inventory.domain.stock import StockLevel

TimeOut = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
MoneyText = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.4f}", return_type=str)]


def _no_serials(serials: list[str] | None) -> bool:
    return serials is None


def _no_default(schema: dict[str, Any]) -> None:
    # The member is left out rather than null: null is no default a client sees.
    schema.pop("default", None)


def serials_field(description: str) -> Any:
    """A ``serials`` member shown only for serial-tracked products (others never see it)."""
    return Field(
        default=None,
        description=description,
        exclude_if=_no_serials,
        json_schema_extra=_no_default,
    )


SerialsOut = list[str] | SkipJsonSchema[None]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)

    def to_json(self) -> dict[str, object]:
        """The JSON object clients receive."""
        return self.model_dump(mode="json")


class PackView(View):
    unit: str
    quantity: Annotated[int, Field(description="Base units in one pack")]
    barcode: str | None = None

    @classmethod
    def of(cls, pack: Pack) -> PackView:
        return cls(unit=pack.unit, quantity=pack.quantity, barcode=pack.barcode)


class EnteredView(View):
    """A quantity as the client entered it, in the unit it named."""

    unit: str
    quantity: int

    @classmethod
    def of(cls, entered: Entered | None) -> EnteredView | None:
        return None if entered is None else cls(unit=entered.unit, quantity=entered.quantity)


_ENTERED = (
    "Only when the request named a unit: the quantity as entered; `quantity` is in base units"
)


class ProductView(View):
    sku: str
    name: str
    description: str
    category: str
    unit: Annotated[str, Field(description="The base unit: every quantity is counted in it")]
    barcode: str | None
    packs: Annotated[
        list[PackView], Field(description="Other units it comes in, as so many base units")
    ] = []
    reorder_point: int
    reorder_quantity: int
    average_cost: Annotated[
        MoneyText,
        Field(description="Moving weighted average cost of one unit, over every warehouse"),
    ]
    archived: Annotated[
        bool, Field(description="Archived products take no new movement or order line")
    ]
    tracking: Annotated[
        Tracking, Field(description="none, lot (receipts name a lot) or serial (each unit)")
    ] = Tracking.NONE
    shelf_life_days: Annotated[
        int | None, Field(description="Days a lot received without an expiry date keeps")
    ] = None
    created_at: TimeOut
    updated_at: TimeOut
    version: Annotated[int, Field(description="Goes up by one with every change")]

    @classmethod
    def of(cls, product: Product) -> ProductView:
        d = product.details
        return cls(
            sku=product.sku,
            name=d.name,
            description=d.description,
            category=d.category,
            unit=d.unit,
            barcode=d.barcode,
            packs=[PackView.of(pack) for pack in d.packs],
            reorder_point=d.reorder_point,
            reorder_quantity=d.reorder_quantity,
            tracking=d.tracking,
            shelf_life_days=d.shelf_life_days,
            average_cost=product.average_cost,
            archived=product.archived,
            created_at=product.created_at,
            updated_at=product.updated_at,
            version=product.version,
        )


class WarehouseView(View):
    code: str
    name: str
    created_at: TimeOut

    @classmethod
    def of(cls, warehouse: Warehouse) -> WarehouseView:
        return cls(code=warehouse.code, name=warehouse.name, created_at=warehouse.created_at)


class LocationView(View):
    warehouse: str
    code: str
    name: str
    parent: str | None
    kind: LocationKind
    pickable: bool
    barcode: str | None
    archived: bool
    created_at: TimeOut

    @classmethod
    def of(cls, location: Location) -> LocationView:
        assert location.created_at is not None, "a stored location has its creation time"
        return cls(
            warehouse=location.warehouse,
            code=location.code,
            name=location.name,
            parent=location.parent,
            kind=location.kind,
            pickable=location.pickable,
            barcode=location.barcode,
            archived=location.archived,
            created_at=location.created_at,
        )


class Totals(View):
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]


def _figures(level: StockLevel) -> dict[str, int]:
    return {"on_hand": level.on_hand, "reserved": level.reserved, "available": level.available}


class SlotView(View):
    """Stock at one location and lot of a warehouse (``lot`` null: not tracked by lot)."""

    location: str
    lot: str | None
    expires_on: Annotated[date | None, Field(description="The lot's expiry date, if any")]
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]

    @classmethod
    def of(cls, held: HeldSlot) -> SlotView:
        return cls.model_validate(cls.fields(held))

    @staticmethod
    def json_of(figures: SlotFigures) -> dict[str, object]:
        """The JSON of ``figures``, built directly: a product's detail has a thousand, and
        the store's rows are typed already (the unit tests hold it to the schema)."""
        _, location, lot, expires_on, on_hand, reserved = figures
        return {
            "location": location,
            "lot": lot,
            "expires_on": None if expires_on is None else expires_on.isoformat(),
            "on_hand": on_hand,
            "reserved": reserved,
            "available": on_hand - reserved,
        }

    @staticmethod
    def fields(held: HeldSlot) -> dict[str, object]:
        """The view's fields of a stored slot (a location's stock shows them)."""
        level = held.level
        return {
            "location": level.location,
            "lot": level.lot,
            "expires_on": None if held.lot is None else held.lot.expires_on,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.available,
        }


class WarehouseLevelView(View):
    warehouse: str
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]
    levels: Annotated[
        list[SlotView] | None,
        Field(description="With detail=true only: per location and lot, those holding stock"),
    ] = None
    """The schema only: ``ProductStockView.to_json`` writes them from the store's figures."""

    @classmethod
    def of(cls, level: StockLevel) -> WarehouseLevelView:
        return cls(warehouse=level.warehouse, **_figures(level))


class LocationLevelView(View):
    """What one location holds of one sku and lot."""

    sku: str
    location: str
    lot: str | None
    expires_on: date | None
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]

    @staticmethod
    def fields(held: HeldSlot) -> dict[str, object]:
        return {"sku": held.level.sku, **SlotView.fields(held)}


class LocationStockView(View):
    warehouse: str
    location: str
    descendants: Annotated[bool, Field(description="Whether the whole subtree is included")]
    levels: list[LocationLevelView]

    @classmethod
    def of(
        cls, warehouse: str, location: str, descendants: bool, held: Sequence[HeldSlot]
    ) -> LocationStockView:
        """A zone's subtree may hold thousands of levels: validated in one call."""
        levels = [LocationLevelView.fields(slot) for slot in held]
        return cls.model_validate(
            {"warehouse": warehouse, "location": location, "descendants": descendants,
             "levels": levels}
        )  # fmt: skip


class LevelView(View):
    sku: str
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]

    @classmethod
    def of(cls, level: StockLevel) -> LevelView:
        return cls(sku=level.sku, **_figures(level))


class StockLevelView(View):
    """One (sku, warehouse) level, as ``stock levels`` and ``export stock`` show it."""

    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, level: StockLevel) -> StockLevelView:
        return cls(sku=level.sku, warehouse=level.warehouse, **_figures(level))


class ProductStockView(View):
    sku: str
    totals: Totals
    warehouses: list[WarehouseLevelView]
    _levels: dict[str, list[SlotFigures]] | None = PrivateAttr(None)
    """With detail=true, each warehouse's (location, lot) levels."""

    @classmethod
    def of(
        cls, sku: str, levels: Sequence[StockLevel], slots: Sequence[SlotFigures] | None = None
    ) -> ProductStockView:
        on_hand = sum(level.on_hand for level in levels)
        reserved = sum(level.reserved for level in levels)
        view = cls(
            sku=sku,
            totals=Totals(on_hand=on_hand, reserved=reserved, available=on_hand - reserved),
            warehouses=[WarehouseLevelView.of(level) for level in levels],
        )
        if slots is not None:
            by_warehouse: dict[str, list[SlotFigures]] = {level.warehouse: [] for level in levels}
            for figures in slots:  # every slot lies under a level: the store's invariant
                if figures.warehouse in by_warehouse:
                    by_warehouse[figures.warehouse].append(figures)
            view._levels = by_warehouse
        return view

    def to_json(self) -> dict[str, object]:
        """Each warehouse's ``levels`` only if they were asked for (detail=true)."""
        data = self.model_dump(mode="json", exclude={"warehouses": {"__all__": {"levels"}}})
        by_warehouse = self._levels
        if by_warehouse is not None:
            for warehouse in data["warehouses"]:
                slots = by_warehouse[warehouse["warehouse"]]
                warehouse["levels"] = [SlotView.json_of(figures) for figures in slots]
        return data


class MovementView(View):
    """A ledger line; a transfer has `from_warehouse` and `to_warehouse`, not `warehouse`."""

    id: str
    type: MovementType
    sku: str
    warehouse: str | None = None
    from_warehouse: str | None = None
    to_warehouse: str | None = None
    quantity: Annotated[
        int, Field(description="Base units moved; for an adjustment, the signed change")
    ]
    entered: Annotated[
        EnteredView | None,
        Field(description=_ENTERED + "; for an adjustment, the counted figure as entered"),
    ] = None
    unit_cost: MoneyText | None = None
    reason: AdjustmentReason | None = None
    location: Annotated[
        str | None, Field(description="Where it took or put the units; null if several")
    ] = None
    from_location: Annotated[
        str | None, Field(description="A transfer: where it took the units; null if several")
    ] = None
    to_location: Annotated[str | None, Field(description="A transfer: where it put them")] = None
    lot: Annotated[str | None, Field(description="The lot it moved; null if none or several")] = (
        None
    )
    allocations: Annotated[
        list[MovementAllocationView],
        Field(description="What it took or put at each (location, lot)"),
    ] = []
    serials: SerialsOut = serials_field(
        "A serial-tracked product: the units it moved (only for such products)"
    )
    reference: Annotated[
        str | None, Field(description="The document it belongs to, e.g. the order it ships")
    ]
    note: str | None
    created_at: TimeOut
    created_by: Annotated[str, Field(description="The name of the API key that recorded it")]

    @classmethod
    def of(cls, m: Movement) -> MovementView:
        locations = _common(line.location for line in m.lines)
        where: dict[str, str | None] = (
            {
                "from_warehouse": m.warehouse,
                "to_warehouse": m.to_warehouse,
                "from_location": locations,
                "to_location": _common(line.to_location for line in m.lines),
            }
            if m.type is MovementType.TRANSFER
            else {"warehouse": m.warehouse, "location": locations}
        )
        moved = [serial for line in m.lines for serial in line.serials]
        return cls(
            lot=_common(line.lot for line in m.lines),
            allocations=[
                MovementAllocationView(
                    location=line.location,
                    to_location=line.to_location,
                    lot=line.lot,
                    quantity=line.quantity,
                    serials=list(line.serials) if line.serials else None,
                )
                for line in m.lines
            ],
            serials=moved or None,
            id=m.id,
            type=m.type,
            sku=m.sku,
            **where,
            quantity=m.quantity,
            entered=EnteredView.of(m.entered),
            unit_cost=m.unit_cost,
            reason=m.reason,
            reference=m.reference,
            note=m.note,
            created_at=m.created_at,
            created_by=m.created_by,
        )

    def to_json(self) -> dict[str, object]:
        """The JSON object, without the members other movement types carry."""
        absent = {name for name, types in _MEMBERS_OF.items() if self.type not in types}
        if self.entered is None:
            absent.add("entered")
        return self.model_dump(mode="json", exclude=absent)


class ScanView(View):
    """What a scanned code names (API.md §13); members it does not carry are left out."""

    kind: ScanKind
    sku: str | None = None
    unit: str | None = None
    quantity: Annotated[
        int | None, Field(description="Base units in one scanned item, its count included")
    ] = None
    warehouse: str | None = None
    location: str | None = None
    lot: Annotated[str | None, Field(description="As read, whether or not it is known")] = None
    expires_on: Annotated[date | None, Field(description="AI 17, as read")] = None
    serial: Annotated[str | None, Field(description="As read, whether or not it is known")] = None

    @classmethod
    def of(cls, answer: ScanAnswer) -> ScanView:
        return cls(
            kind=answer.kind,
            sku=answer.sku,
            unit=answer.unit,
            quantity=answer.quantity,
            warehouse=answer.warehouse,
            location=answer.location,
            lot=answer.lot,
            expires_on=answer.expires_on,
            serial=answer.serial,
        )

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True)


def _lines_without_entered(order: dict[str, Any]) -> dict[str, Any]:
    for line in order["lines"]:
        if line["entered"] is None:
            del line["entered"]
    return order


def _common(values: Iterable[str | None]) -> str | None:
    """The one value every line has, or None when they differ (or there is none)."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


class MovementAllocationView(View):
    location: str
    to_location: Annotated[str | None, Field(description="A transfer's destination location")]
    lot: str | None
    quantity: Annotated[int, Field(description="Signed for an adjustment")]
    serials: SerialsOut = serials_field("A serial-tracked product: the units of this line")


_MEMBERS_OF = {
    "warehouse": {MovementType.RECEIPT, MovementType.ISSUE, MovementType.ADJUSTMENT},
    "location": {MovementType.RECEIPT, MovementType.ISSUE, MovementType.ADJUSTMENT},
    "from_warehouse": {MovementType.TRANSFER},
    "to_warehouse": {MovementType.TRANSFER},
    "from_location": {MovementType.TRANSFER},
    "to_location": {MovementType.TRANSFER},
    "unit_cost": {MovementType.RECEIPT},
    "reason": {MovementType.ADJUSTMENT},
}


class AllocationView(View):
    location: str
    lot: str | None
    quantity: int
    serials: SerialsOut = serials_field("A serial-tracked product: the units reserved here")


class OrderLineView(View):
    sku: str
    quantity: Annotated[int, Field(description="Base units")]
    entered: Annotated[EnteredView | None, Field(description=_ENTERED)] = None
    location: Annotated[str | None, Field(description="The location the line named, if any")] = None
    lot: Annotated[str | None, Field(description="The lot the line named, if any")] = None
    allocations: Annotated[
        list[AllocationView],
        Field(description="Where its units are reserved; shipping takes these"),
    ] = []

    @classmethod
    def of(cls, line: OrderLine) -> OrderLineView:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            entered=EnteredView.of(line.entered),
            location=line.location,
            lot=line.lot,
            allocations=[
                AllocationView(
                    location=a.location,
                    lot=a.lot,
                    quantity=a.quantity,
                    serials=list(a.serials) if a.serials else None,
                )
                for a in line.allocations
            ],
        )


class OrderView(View):
    id: str
    reference: str
    warehouse: str
    status: Annotated[
        OrderStatus, Field(description="reserved, then shipped, cancelled or expired")
    ]
    lines: list[OrderLineView]
    expires_at: Annotated[
        TimeOut | None,
        Field(description="When the reservation expires if not shipped; null: never"),
    ]
    created_at: TimeOut
    updated_at: TimeOut

    def to_json(self) -> dict[str, object]:
        """The JSON object; a line shows ``entered`` only if it named a unit."""
        return _lines_without_entered(self.model_dump(mode="json"))

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            id=order.id,
            reference=order.reference,
            warehouse=order.warehouse,
            status=order.status,
            lines=[OrderLineView.of(line) for line in order.lines],
            expires_at=order.expires_at,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


class ApiKeyView(View):
    id: str
    name: str
    role: Role
    created_at: TimeOut
    revoked_at: Annotated[
        TimeOut | None, Field(description="When it was revoked; null while it works")
    ]

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyView:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class NewApiKeyView(View):
    """A key as created: the only time its secret `key` is shown."""

    id: str
    name: str
    role: Role
    key: Annotated[
        str, Field(description="The secret to send as Authorization: Bearer; shown this once")
    ]
    created_at: TimeOut

    @classmethod
    def of(cls, key: ApiKey, secret: str) -> NewApiKeyView:
        return cls(id=key.id, name=key.name, role=key.role, key=secret, created_at=key.created_at)


class JobView(View):
    id: str
    kind: JobKind
    status: JobStatus
    attempts: Annotated[int, Field(description="How many times it was started")]
    params: dict[str, Any]
    created_at: TimeOut
    started_at: TimeOut | None
    finished_at: TimeOut | None
    error: Annotated[str | None, Field(description="Why the last attempt failed")]
    has_result: Annotated[
        bool, Field(description="Whether its report can be downloaded: the job succeeded")
    ]

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            attempts=job.attempts,
            params=job.params,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=job.error,
            has_result=job.status is JobStatus.SUCCEEDED and job.result is not None,
        )


class LotWarehouseView(View):
    warehouse: str
    on_hand: int
    reserved: int
    available: Annotated[int, Field(description="on_hand minus reserved")]


class LotView(View):
    """A lot of a product, and what each warehouse holds of it."""

    sku: str
    code: str
    expires_on: date | None
    manufactured_on: date | None
    received_at: Annotated[TimeOut | None, Field(description="When its first receipt was booked")]
    on_hand: Annotated[int, Field(description="Over every warehouse")]
    reserved: int
    available: int
    warehouses: list[LotWarehouseView]

    @classmethod
    def of(cls, figures: LotFigures) -> LotView:
        lot = figures.lot
        rows = [
            LotWarehouseView(
                warehouse=row.warehouse or "",
                on_hand=row.on_hand,
                reserved=row.reserved,
                available=row.on_hand - row.reserved,
            )
            for row in figures.warehouses
        ]
        on_hand = sum(row.on_hand for row in rows)
        reserved = sum(row.reserved for row in rows)
        return cls(
            sku=figures.sku,
            code=lot.code,
            expires_on=lot.expires_on,
            manufactured_on=lot.manufactured_on,
            received_at=lot.received_at,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
            warehouses=rows,
        )


class TracedStockView(View):
    warehouse: str
    location: str
    on_hand: int
    reserved: int
    available: int


class LotTraceView(View):
    """A recall's view of a lot: every movement and order that touched it, oldest
    first, and where its units are now."""

    sku: str
    lot: str
    expires_on: date | None
    manufactured_on: date | None
    movements: list[dict[str, Any]]
    orders: list[OrderView]
    stock: list[TracedStockView]

    @classmethod
    def of(cls, trace: LotTrace) -> LotTraceView:
        return cls(
            sku=trace.sku,
            lot=trace.lot.code,
            expires_on=trace.lot.expires_on,
            manufactured_on=trace.lot.manufactured_on,
            movements=[MovementView.of(m).to_json() for m in trace.movements],
            orders=[OrderView.of(o) for o in trace.orders],
            stock=[
                TracedStockView(
                    warehouse=h.level.warehouse, location=h.level.location, **_figures(h.level)
                )
                for h in trace.stock
            ],
        )

    def to_json(self) -> dict[str, object]:
        """The JSON object; an order line shows ``entered`` only if it named a unit."""
        data = self.model_dump(mode="json")
        for order in data["orders"]:
            _lines_without_entered(order)
        return data
