"""PostgreSQL storage: psycopg 3, a connection pool per process, plain parameterized SQL."""

from inventory.adapters.postgres.database import PostgresDatabase

__all__ = ["PostgresDatabase"]
