"""The composition root: settings -> adapters -> the services entrypoints use.

The only module that imports concrete adapters. Nothing here runs at import
time; each process (a CLI run, a server worker) calls :func:`bootstrap` once.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.adapters.clock import utc_now
from inventory.adapters.ids import new_id, new_secret
from inventory.adapters.memory import MemoryStorage
from inventory.adapters.sqlite.database import SqliteDatabase
from inventory.application.ports import (
    Clock,
    IdGenerator,
    SecretGenerator,
    Storage,
    UnitOfWork,
)
from inventory.config import ConfigError, Settings


@dataclass(frozen=True)
class Services:
    """Everything a use-case call needs, wired once per process."""

    settings: Settings
    storage: Storage
    clock: Clock
    new_id: IdGenerator
    new_secret: SecretGenerator

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for one use-case call."""
        return self.storage.unit_of_work()

    def close(self) -> None:
        self.storage.close()


def open_storage(url: str) -> Storage:
    """The storage adapter the database URL names."""
    if url.startswith("memory://"):
        return MemoryStorage()
    if url.startswith("sqlite:///"):
        try:
            return SqliteDatabase.from_url(url)
        except ValueError as exc:
            raise ConfigError(f"INVENTORY_DATABASE_URL: {exc}") from None
    raise ConfigError(f"INVENTORY_DATABASE_URL: {url.split(':')[0]} storage is not available yet")


def bootstrap(settings: Settings, migrate: bool = True) -> Services:
    """Wire the adapters the settings choose; migrate the schema first unless told not to."""
    storage = open_storage(settings.database_url)
    if migrate:
        storage.migrate()
    return Services(settings, storage, utc_now, new_id, new_secret)
