"""Throwaway PostgreSQL schemas for tests: one per test (or per server), dropped afterwards.

Tests that need PostgreSQL read ``INVENTORY_TEST_POSTGRES_URL`` (``.ci/run``
sets it to the local server) and skip, saying why, when it is unset.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

URL_VARIABLE = "INVENTORY_TEST_POSTGRES_URL"


def server_url() -> str:
    """The test server's URL, or a skip of the calling test when none is configured."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"{URL_VARIABLE} is not set: no PostgreSQL to test against")
    return url


def in_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema`` (libpq's ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-c search_path={schema}')}"


@contextmanager
def fresh_schema(prefix: str = "test") -> Iterator[str]:
    """A database URL whose tables all land in a new, empty schema, dropped on exit."""
    import psycopg

    url = server_url()
    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
