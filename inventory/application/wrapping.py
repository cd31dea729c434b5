"""The repositories every unit of work carries, declared once; and wrappers that expose them."""

from __future__ import annotations

from inventory.application.ports import (
    ApiKeyRepository,
    IdempotencyRepository,
    JobRepository,
    LocationRepository,
    LotRepository,
    MovementRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    ReportResultRepository,
    SerialRepository,
    StockRepository,
    UnitOfWork,
    WarehouseRepository,
)

REPOSITORIES = (
    "products", "warehouses", "locations", "stock", "lots", "serials", "movements", "orders",
    "api_keys", "idempotency", "jobs", "outbox", "report_results",
)  # fmt: skip
"""Every repository a :class:`UnitOfWork` carries."""


class UnitOfWorkRepositories:
    """The repositories of the UnitOfWork protocol, declared once for its implementations.

    Typed as the ports: the protocol declares them as settable attributes, which
    must match its types exactly to conform.
    """

    products: ProductRepository
    warehouses: WarehouseRepository
    locations: LocationRepository
    stock: StockRepository
    lots: LotRepository
    serials: SerialRepository
    movements: MovementRepository
    orders: OrderRepository
    api_keys: ApiKeyRepository
    idempotency: IdempotencyRepository
    jobs: JobRepository
    outbox: OutboxRepository
    report_results: ReportResultRepository


class WrappedRepositories(UnitOfWorkRepositories):
    """A wrapper around a unit of work: :meth:`expose` takes the wrapped unit's repositories."""

    def expose(self, inner: UnitOfWork) -> None:
        """Take ``inner``'s repositories (they change each time it begins a transaction)."""
        for name in REPOSITORIES:
            setattr(self, name, getattr(inner, name))
