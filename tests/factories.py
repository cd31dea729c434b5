# mypy: disallow-untyped-calls=False
"""Test data: factories for the domain objects and commands, a fixed clock and sequential ids.

Everything here is deterministic: times come from ``T0`` (or a :class:`FixedClock`),
ids from a :class:`SequentialIds`, so a failing test fails the same way every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from factory.base import Factory
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory, Trait

from inventory.application.commands import (
    CreateProduct,
    OrderLineIn,
    ReceiveStock,
    ReserveOrder,
)
from inventory.application.scopes import LEVELS, MOVEMENTS, PRODUCTS, WAREHOUSES, product, scopes
from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.keys import ApiKey, Role, hash_secret
from inventory.domain.locations import Location, LocationKind
from inventory.domain.lots import Lot, Tracking
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.packs import Pack
from inventory.domain.serials import SerialState, SerialStatus
from inventory.domain.stock import SlotLevel

T0 = datetime(2026, 11, 26, 19, 25, 20, 123456, tzinfo=UTC)
"""The moment every story starts at: aware UTC, with microseconds."""


class FixedClock:
    """A clock that reads ``now`` and then moves on by ``step`` (zero: time stands still)."""

    def __init__(self, start: datetime = T0, step: timedelta = timedelta(0)) -> None:
        if start.utcoffset() is None:
            raise ValueError("a clock tells aware UTC time")
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        now = self.now
        self.now = now + self.step
        return now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, by: timedelta) -> None:
        self.now += by


class SequentialIds:
    """``id-000001``, ``id-000002``, ...: unique, and an id made later sorts after."""

    def __init__(self, prefix: str = "id") -> None:
        self.prefix = prefix
        self.issued = 0

    def __call__(self) -> str:
        self.issued += 1
        return f"{self.prefix}-{self.issued:06d}"


class SequentialSecrets:
    """Predictable API key secrets (``secret-1``, ...): tests need to present them again."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> str:
        self.issued += 1
        return f"secret-{self.issued}"


# --- domain objects -----------------------------------------------------------

M = TypeVar("M")


class _Factory(Factory[M]):
    """A factory of ``M``: calling it builds one."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory-boy makes the object in its metaclass; say so to the type checker.
        def __new__(cls, **fields: Any) -> M: ...  # type: ignore[misc]


class ProductDetailsFactory(_Factory[ProductDetails]):
    class Meta:
        model = ProductDetails

    name = Sequence(lambda n: f"Product {n}")


class PackFactory(_Factory[Pack]):
    class Meta:
        model = Pack

    unit = Sequence(lambda n: f"pack{n}")
    quantity = 12
    barcode = None


class ProductFactory(_Factory[Product]):
    class Meta:
        model = Product

    sku = Sequence(lambda n: f"SKU-{n:05d}")
    details = SubFactory(ProductDetailsFactory)
    created_at = T0
    updated_at = LazyAttribute(lambda p: p.created_at)


class WarehouseFactory(_Factory[Warehouse]):
    class Meta:
        model = Warehouse

    code = Sequence(lambda n: f"WH-{n:03d}")
    name = LazyAttribute(lambda w: f"Warehouse {w.code}")
    created_at = T0


class LocationFactory(_Factory[Location]):
    """A pickable bin of warehouse ``MAIN`` at the top of its tree."""

    class Meta:
        model = Location

    warehouse = "MAIN"
    code = Sequence(lambda n: f"BIN-{n:03d}")
    kind = LocationKind.BIN
    name = LazyAttribute(lambda loc: f"Bin {loc.code}")
    created_at = T0


class LotFactory(_Factory[Lot]):
    """A lot without dates, received at ``T0``."""

    class Meta:
        model = Lot

    code = Sequence(lambda n: f"LOT-{n:04d}")
    received_at = T0


class SlotLevelFactory(_Factory[SlotLevel]):
    """An empty level of ``SKU-1`` at the default location of ``MAIN``, with no lot."""

    class Meta:
        model = SlotLevel

    sku = "SKU-1"
    warehouse = "MAIN"
    location = "DEFAULT"
    lot = None
    on_hand = 0
    reserved = 0


class SerialStateFactory(_Factory[SerialState]):
    """A serial-numbered unit of ``SKU-1`` in stock at WH-MAIN's default location."""

    class Meta:
        model = SerialState

    sku = "SKU-1"
    serial = Sequence(lambda n: f"SN-{n:06d}")
    warehouse = "WH-MAIN"
    location = "DEFAULT"
    status = SerialStatus.IN_STOCK
    received_at = T0


class MovementFactory(_Factory[Movement]):
    """A receipt by default; the traits ``issue``, ``transfer`` and ``adjustment`` give the rest."""

    class Meta:
        model = Movement

    id = Sequence(lambda n: f"mv-{n:06d}")
    type = MovementType.RECEIPT
    sku = "SKU-1"
    warehouse = "WH-MAIN"
    quantity = 5
    created_at = T0
    created_by = "clerk"
    unit_cost = Decimal("1.0000")

    class Params:
        issue = Trait(type=MovementType.ISSUE, unit_cost=None)
        transfer = Trait(type=MovementType.TRANSFER, unit_cost=None, to_warehouse="WH-OTHER")
        adjustment = Trait(
            type=MovementType.ADJUSTMENT, unit_cost=None, reason=AdjustmentReason.COUNT
        )


class OrderLineFactory(_Factory[OrderLine]):
    class Meta:
        model = OrderLine

    sku = "SKU-1"
    quantity = 1


class OrderFactory(_Factory[Order]):
    class Meta:
        model = Order

    id = Sequence(lambda n: f"ord-{n:06d}")
    reference = Sequence(lambda n: f"SO-{n:05d}")
    warehouse = "WH-MAIN"
    lines = LazyFunction(lambda: (OrderLineFactory(),))
    created_at = T0
    updated_at = LazyAttribute(lambda o: o.created_at)
    status = OrderStatus.RESERVED


class ApiKeyFactory(_Factory[ApiKey]):
    """A key whose secret is ``secret`` (a parameter; only its hash is kept)."""

    class Meta:
        model = ApiKey
        exclude = ("secret",)

    id = Sequence(lambda n: f"key-{n:06d}")
    name = Sequence(lambda n: f"client {n}")
    role = Role.CLERK
    secret = Sequence(lambda n: f"secret-of-key-{n}")
    secret_hash = LazyAttribute(lambda k: hash_secret(k.secret))
    created_at = T0


# --- commands -------------------------------------------------------------------


class ReserveOrderFactory(_Factory[ReserveOrder]):
    """An order; pass ``lines=[("SKU-1", 2), ...]`` as (sku, quantity) pairs, or
    (sku, quantity, unit) triples."""

    class Meta:
        model = ReserveOrder

    reference = Sequence(lambda n: f"SO-{n:05d}")
    warehouse = "WH-MAIN"
    lines = (("SKU-1", 1),)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        lines = kwargs["lines"]
        kwargs["lines"] = [
            line
            if isinstance(line, OrderLineIn)
            else OrderLineIn(sku=line[0], quantity=line[1], unit=line[2] if len(line) > 2 else None)
            for line in lines  # type: ignore[attr-defined]
        ]
        return kwargs


class LotTrackedProductFactory(_Factory[CreateProduct]):
    """A new product whose stock is kept by lot."""

    class Meta:
        model = CreateProduct

    sku = Sequence(lambda n: f"LOTTED-{n:04d}")
    name = LazyAttribute(lambda p: f"Product {p.sku}")
    tracking = Tracking.LOT


class ReceiveLotFactory(_Factory[ReceiveStock]):
    """A receipt of one lot: pass ``code`` and ``expires_on`` (a date, or None for none)."""

    class Meta:
        model = ReceiveStock
        exclude = ("code", "expires_on")

    sku = "SKU-1"
    warehouse = "MAIN"
    quantity = 10
    unit_cost = "1.5000"
    code = Sequence(lambda n: f"LOT-{n:04d}")
    expires_on = None
    lot = LazyAttribute(
        lambda r: {"code": r.code, "expires_on": r.expires_on and r.expires_on.isoformat()}
    )


WATCHED_SCOPES = scopes(PRODUCTS, WAREHOUSES, LEVELS, MOVEMENTS, product("SKU-1"))
"""Scopes whose summed version any data write of the tests (SKU-1, any level, any
movement, any warehouse) raises: for tests that check bookkeeping raises none."""
