"""Use cases of lots: a product's lots, lots about to expire, and a lot's trace (API.md §12).

A trace is what a recall needs: every movement and order that touched the lot,
oldest first, and where its units are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import ConfigDict

from inventory.application.catalog import require_product, require_warehouse
from inventory.application.commands import Code, DateIn
from inventory.application.listing import A_CODE
from inventory.application.pagination import ListParams, Page, Sorting, matching
from inventory.application.ports import HeldSlot, LotRow, UnitOfWork
from inventory.domain.errors import NotFound
from inventory.domain.lots import Lot
from inventory.domain.movements import Movement
from inventory.domain.orders import Order

NO_DATE = "9999-12-31"
"""Where a lot without an expiry date sorts: after every dated one."""


@dataclass(frozen=True, slots=True)
class LotFigures:
    """A lot of a product and what each warehouse holds of it."""

    sku: str
    lot: Lot
    warehouses: tuple[LotRow, ...]


@dataclass(frozen=True, slots=True)
class LotTrace:
    sku: str
    lot: Lot
    movements: list[Movement]
    orders: list[Order]
    stock: list[HeldSlot]


def a_date(value: str) -> str:
    """A date in a cursor: YYYY-MM-DD."""
    return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad(value)


def _bad(value: str) -> str:
    raise ValueError(f"{value!r} is not a date")


def _expires(figures: LotFigures) -> str:
    expires_on = figures.lot.expires_on
    return NO_DATE if expires_on is None else expires_on.isoformat()


LOT_SORTS: Sorting[LotFigures] = Sorting(
    fields={"expires_on": _expires, "code": lambda f: f.lot.code},
    unique="code",
    unique_key=lambda f: f.lot.code,
    default="expires_on",
    values={"expires_on": a_date, "code": A_CODE},
)
EXPIRING_SORTS: Sorting[LotFigures] = Sorting(
    fields={"expires_on": _expires},
    unique="lot",
    unique_key=lambda f: f"{f.sku}/{f.lot.code}",
    default="expires_on",
    values={
        "expires_on": a_date,
        "lot": matching(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$", 129),
    },
)


class LotList(ListParams):
    """A product's lots, soonest to expire first (``sort=code``: by code)."""


class ExpiringLotList(ListParams):
    """Dated lots with stock, soonest first: those expiring before a date, in a warehouse."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expiring_before: DateIn | None = None
    warehouse: Code | None = None


def product_lots(sku: str, params: LotList, uow: UnitOfWork) -> Page[LotFigures]:
    """A page of the product's lots, each with what every warehouse holds of it."""
    spec = LOT_SORTS.spec(params)
    with uow.reading():
        require_product(uow, sku)
        lots = uow.lots.of_product(sku, spec)
        rows = _figures(uow, [(sku, lot) for lot in lots])
    return LOT_SORTS.page(rows, spec)


def expiring_lots(params: ExpiringLotList, uow: UnitOfWork) -> Page[LotFigures]:
    """A page of dated lots with stock, soonest to expire first."""
    spec = EXPIRING_SORTS.spec(params)
    with uow.reading():
        if params.warehouse is not None:
            require_warehouse(uow, params.warehouse)
        lots = uow.lots.expiring(params.expiring_before, params.warehouse, spec)
        rows = _figures(uow, lots)
    return EXPIRING_SORTS.page(rows, spec)


def trace_lot(sku: str, code: str, uow: UnitOfWork) -> LotTrace:
    """Every movement and order that touched lot ``code`` of ``sku``, and where it is now."""
    with uow.reading():
        require_product(uow, sku)
        lot = uow.lots.get_many(sku, [code]).get(code)
        if lot is None:
            raise NotFound(f"lot {code!r} of {sku!r} not found")
        stock = [held for held in uow.stock.slots_of_product(sku) if held.level.lot == code]
        return LotTrace(
            sku,
            lot,
            uow.movements.touching_lot(sku, code),
            uow.orders.touching_lot(sku, code),
            stock,
        )


def _figures(uow: UnitOfWork, lots: list[tuple[str, Lot]]) -> list[LotFigures]:
    by_sku: dict[str, list[str]] = {}
    for sku, lot in lots:
        by_sku.setdefault(sku, []).append(lot.code)
    rows: dict[tuple[str, str], list[LotRow]] = {}
    for sku, codes in by_sku.items():
        for row in uow.lots.figures(sku, codes):
            rows.setdefault((sku, row.lot.code), []).append(row)
    return [LotFigures(sku, lot, tuple(rows.get((sku, lot.code), ()))) for sku, lot in lots]
