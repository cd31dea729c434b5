"""Rows to and from domain objects, written once for every SQL dialect.

Rows are tuples in the column order of :mod:`inventory.adapters.sql.schema`. How a
time, money, a flag, JSON or bytes are stored differs by dialect: each says so
in a :class:`RowCodec` (part of its :class:`~inventory.adapters.sql.dialect.Dialect`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.application.idempotency_records import (
    IdempotencyRecord,
    KeyProgress,
    StoredResponse,
)
from inventory.domain.catalog import Product, ProductDetails, Warehouse
from inventory.domain.jobs import Job, JobKind, JobStatus
from inventory.domain.keys import ApiKey, Role
from inventory.domain.lots import Tracking
from inventory.domain.movements import AdjustmentReason, Movement, MovementType
from inventory.domain.orders import Order, OrderLine, OrderStatus
from inventory.domain.packs import Entered, Pack
from inventory.domain.stock import StockLevel

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class RowCodec:
    """A dialect's stored forms, and every row mapping built on them."""

    time_out: Callable[[datetime], Any]
    time_in: Callable[[Any], datetime]
    money_out: Callable[[Decimal], Any]
    """Four decimal places, always: the unit of every stored amount."""
    money_in: Callable[[Any], Decimal]
    flag_out: Callable[[bool], Any]
    json_out: Callable[[Any], Any]
    json_in: Callable[[Any], Any]
    bytes_in: Callable[[Any], bytes]

    def time_or_none(self, value: datetime | None) -> Any:
        return None if value is None else self.time_out(value)

    def time_or_none_in(self, stored: Any) -> datetime | None:
        return None if stored is None else self.time_in(stored)

    # --- catalogue and stock ----------------------------------------------------

    def product_row(self, product: Product) -> Row:
        d = product.details
        return (
            product.sku,
            d.name,
            d.description,
            d.category,
            d.unit,
            d.barcode,
            d.reorder_point,
            d.reorder_quantity,
            self.money_out(product.average_cost),
            self.flag_out(product.archived),
            self.time_out(product.created_at),
            self.time_out(product.updated_at),
            product.version,
            d.tracking.value,
            d.shelf_life_days,
            self.json_out([_pack_json(pack) for pack in d.packs]),
        )

    def product_from_row(self, row: Row) -> Product:
        return Product(
            sku=row[0],
            details=ProductDetails(
                name=row[1],
                description=row[2],
                category=row[3],
                unit=row[4],
                barcode=row[5],
                reorder_point=row[6],
                reorder_quantity=row[7],
                tracking=Tracking(row[13]),
                shelf_life_days=row[14],
                packs=tuple(
                    Pack(pack["unit"], pack["quantity"], pack.get("barcode"))
                    for pack in self.json_in(row[15])
                ),
            ),
            average_cost=self.money_in(row[8]),
            archived=bool(row[9]),
            created_at=self.time_in(row[10]),
            updated_at=self.time_in(row[11]),
            version=row[12],
        )

    def warehouse_from_row(self, row: Row) -> Warehouse:
        return Warehouse(code=row[0], name=row[1], created_at=self.time_in(row[2]))

    @staticmethod
    def level_from_row(row: Row) -> StockLevel:
        return StockLevel(sku=row[0], warehouse=row[1], on_hand=row[2], reserved=row[3])

    # --- the ledger ---------------------------------------------------------------

    def movement_row(self, m: Movement, created_at: Any = None) -> Row:
        """``created_at``: the stored form of ``m.created_at``, when the caller has it already."""
        return (
            m.id,
            m.type.value,
            m.sku,
            m.warehouse,
            m.to_warehouse,
            m.quantity,
            None if m.unit_cost is None else self.money_out(m.unit_cost),
            None if m.reason is None else m.reason.value,
            m.reference,
            m.note,
            self.time_out(m.created_at) if created_at is None else created_at,
            m.created_by,
            *entered_out(m.entered),
        )

    def movement_from_row(self, row: Row) -> Movement:
        return Movement(
            id=row[0],
            type=MovementType(row[1]),
            sku=row[2],
            warehouse=row[3],
            to_warehouse=row[4],
            quantity=row[5],
            unit_cost=None if row[6] is None else self.money_in(row[6]),
            reason=None if row[7] is None else AdjustmentReason(row[7]),
            reference=row[8],
            note=row[9],
            created_at=self.time_in(row[10]),
            created_by=row[11],
            entered=entered_in(row[12], row[13]),
        )

    # --- orders and keys ------------------------------------------------------------

    def order_row(self, order: Order) -> Row:
        return (
            order.id,
            order.reference,
            order.warehouse,
            order.status.value,
            self.time_out(order.created_at),
            self.time_out(order.updated_at),
            self.time_or_none(order.expires_at),
        )

    def order_from_row(self, row: Row, lines: tuple[OrderLine, ...]) -> Order:
        return Order(
            id=row[0],
            reference=row[1],
            warehouse=row[2],
            status=OrderStatus(row[3]),
            created_at=self.time_in(row[4]),
            updated_at=self.time_in(row[5]),
            expires_at=self.time_or_none_in(row[6]),
            lines=lines,
        )

    def api_key_row(self, key: ApiKey) -> Row:
        return (
            key.id,
            key.name,
            key.role.value,
            key.secret_hash,
            self.time_out(key.created_at),
            self.time_or_none(key.revoked_at),
        )

    def api_key_from_row(self, row: Row) -> ApiKey:
        return ApiKey(
            id=row[0],
            name=row[1],
            role=Role(row[2]),
            secret_hash=row[3],
            created_at=self.time_in(row[4]),
            revoked_at=self.time_or_none_in(row[5]),
        )

    # --- jobs and Idempotency-Key records ------------------------------------------

    def job_row(self, job: Job) -> Row:
        return (
            job.id,
            job.kind.value,
            self.json_out(job.params),
            job.status.value,
            job.attempts,
            job.max_attempts,
            self.time_out(job.created_at),
            self.time_out(job.run_at),
            self.time_or_none(job.started_at),
            self.time_or_none(job.finished_at),
            job.error,
            job.result,
            job.runner,
            self.time_or_none(job.lease_until),
        )

    def job_from_row(self, row: Row) -> Job:
        return Job(
            id=row[0],
            kind=JobKind(row[1]),
            params=self.json_in(row[2]),
            status=JobStatus(row[3]),
            attempts=row[4],
            max_attempts=row[5],
            created_at=self.time_in(row[6]),
            run_at=self.time_in(row[7]),
            started_at=self.time_or_none_in(row[8]),
            finished_at=self.time_or_none_in(row[9]),
            error=row[10],
            result=row[11],
            runner=row[12],
            lease_until=self.time_or_none_in(row[13]),
        )

    def job_update(self, job: Job) -> Row:
        """The parameters of ``JOB_UPDATE``: what a job's life changes, then its id."""
        row = self.job_row(job)
        return (*row[3:5], *row[7:14], job.id)

    def idempotency_row(self, record: IdempotencyRecord) -> Row:
        response = record.response
        return (
            record.owner,
            record.key,
            record.fingerprint,
            record.progress.value,
            None if response is None else response.status,
            None if response is None else self.json_out([list(h) for h in response.headers]),
            None if response is None else response.body,
            self.time_out(record.created_at),
            self.time_out(record.expires_at),
        )

    def idempotency_from_row(self, row: Row) -> IdempotencyRecord:
        status, headers, body = row[4], row[5], row[6]
        response = (
            None
            if status is None
            else StoredResponse(
                status=status,
                headers=tuple((name, value) for name, value in self.json_in(headers)),
                body=self.bytes_in(body),
            )
        )
        return IdempotencyRecord(
            owner=row[0],
            key=row[1],
            fingerprint=row[2],
            progress=KeyProgress(row[3]),
            created_at=self.time_in(row[7]),
            expires_at=self.time_in(row[8]),
            response=response,
        )


def _pack_json(pack: Pack) -> dict[str, object]:
    stored: dict[str, object] = {"unit": pack.unit, "quantity": pack.quantity}
    if pack.barcode is not None:
        stored["barcode"] = pack.barcode
    return stored


def entered_out(entered: Entered | None) -> tuple[str | None, int | None]:
    """The stored ``entered_unit`` and ``entered_quantity`` of a movement or order line."""
    return (None, None) if entered is None else (entered.unit, entered.quantity)


def entered_in(unit: str | None, quantity: int | None) -> Entered | None:
    """What the client entered, from the stored columns; None where it named no unit."""
    return None if unit is None or quantity is None else Entered(unit, int(quantity))
