"""Use cases of the ledger: recording movements and reading them back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from inventory.application.alerts import DEFAULT_ALERTS, AlertPolicy
from inventory.application.catalog import require_product, require_warehouse
from inventory.application.commands import MovementCommand
from inventory.application.ledger import Posting
from inventory.application.listing import (
    MOVEMENT_SORTS,
    STOCK_LEVEL_SORTS,
    MovementList,
    StockLevelList,
)
from inventory.application.pagination import Page
from inventory.application.ports import Clock, IdGenerator, UnitOfWork
from inventory.application.queries import MovementFilter
from inventory.domain.errors import DomainError, NotFound
from inventory.domain.movements import Movement
from inventory.domain.stock import StockLevel

BATCH = 2000


def record_movement(
    cmd: MovementCommand,
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
    actor: str,
    *,
    alerts: AlertPolicy = DEFAULT_ALERTS,
) -> Movement:
    """Receive, issue, transfer or adjust stock: one movement, appended to the ledger.

    A movement that takes the product's total available down to its reorder
    point or below queues a low-stock alert job with it.
    """
    with uow:
        posting = Posting(uow, clock, new_id, actor, alerts)
        movement = posting.post(cmd)
        posting.flush()
        uow.commit()
    return movement


def record_movements(
    commands: Iterable[MovementCommand],
    uow: UnitOfWork,
    clock: Clock,
    new_id: IdGenerator,
    actor: str,
    on_progress: Callable[[int], None] = lambda done: None,
    where: Callable[[int], str] = lambda index: f"movement {index + 1}",
    *,
    alerts: AlertPolicy = DEFAULT_ALERTS,
) -> int:
    """Record many movements in order, all or none; returns how many were recorded.

    A refused movement raises its error, prefixed with ``where(index)``, and
    nothing is kept. Commands are consumed in batches, so the input may be a
    stream far larger than memory. Each crossing of a reorder point queues its
    own low-stock alert job, even a sku that falls, rises and falls again in one
    batch. A run longer than one batch raises the version of every cached read
    (``write_in_bulk``), not each scope its movements touched.
    """
    done = 0
    commands = iter(commands)
    with uow:
        posting = Posting(uow, clock, new_id, actor, alerts)
        while batch := list(islice(commands, BATCH)):
            if done:  # past one batch, a long import: every version raised once instead
                uow.write_in_bulk()
            posting.prepare(batch)
            for cmd in batch:
                try:
                    posting.post(cmd)
                except DomainError as exc:
                    raise type(exc)(f"{where(done)}: {exc.detail}", exc.errors) from None
                done += 1
            posting.flush()
            on_progress(done)
        uow.commit()
    return done


def get_movement(id: str, uow: UnitOfWork) -> Movement:
    """One movement by id."""
    with uow.reading():
        movement = uow.movements.get(id)
    if movement is None:
        raise NotFound(f"movement {id!r} not found")
    return movement


def list_movements(params: MovementList, uow: UnitOfWork) -> Page[Movement]:
    """A page of the ledger, oldest first unless sorted otherwise."""
    spec = MOVEMENT_SORTS.spec(params)
    with uow.reading():
        rows = uow.movements.fetch_page(params.filter(), spec)
    return MOVEMENT_SORTS.page(rows, spec)


def list_stock_levels(params: StockLevelList, uow: UnitOfWork) -> Page[StockLevel]:
    """A page of every stock level, or of one product's and/or one warehouse's, by sku then
    warehouse; a product or warehouse named that does not exist is ``NotFound``."""
    spec = STOCK_LEVEL_SORTS.spec(params)
    with uow.reading():
        if params.sku is not None:
            require_product(uow, params.sku)
        if params.warehouse is not None:
            require_warehouse(uow, params.warehouse)
        rows = uow.stock.fetch_levels(params.filter(), spec)
    return STOCK_LEVEL_SORTS.page(rows, spec)


def export_movements(filter: MovementFilter, uow: UnitOfWork) -> Iterator[Movement]:
    """Matching movements in ledger order, streamed."""
    with uow.reading():
        yield from uow.movements.stream(filter)


def export_stock(uow: UnitOfWork) -> Iterator[StockLevel]:
    """Every stock level, by sku and warehouse, streamed."""
    with uow.reading():
        yield from uow.stock.stream()
