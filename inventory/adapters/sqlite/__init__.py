"""SQLite storage: one database file, WAL mode, raw parameterized SQL."""

from inventory.adapters.sqlite.database import SqliteDatabase, SqliteUrl, parse_url
from inventory.adapters.sqlite.unit_of_work import SqliteUnitOfWork

__all__ = ["SqliteDatabase", "SqliteUnitOfWork", "SqliteUrl", "parse_url"]
