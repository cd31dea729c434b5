"""The base of unit-of-work wrappers: the wrapped unit's repositories, as its own."""

from __future__ import annotations

from inventory.application.ports import (
    ApiKeyRepository,
    IdempotencyRepository,
    JobRepository,
    MovementRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    StockRepository,
    UnitOfWork,
    WarehouseRepository,
)

REPOSITORIES = (
    "products", "warehouses", "stock", "movements", "orders", "api_keys", "idempotency",
    "jobs", "outbox",
)  # fmt: skip
"""Every repository a :class:`UnitOfWork` carries."""


class WrappedRepositories:
    """Declares the repositories of the UnitOfWork protocol; :meth:`expose` copies them in."""

    products: ProductRepository
    warehouses: WarehouseRepository
    stock: StockRepository
    movements: MovementRepository
    orders: OrderRepository
    api_keys: ApiKeyRepository
    idempotency: IdempotencyRepository
    jobs: JobRepository
    outbox: OutboxRepository

    def expose(self, inner: UnitOfWork) -> None:
        """Take ``inner``'s repositories (they change each time it begins a transaction)."""
        for name in REPOSITORIES:
            setattr(self, name, getattr(inner, name))
