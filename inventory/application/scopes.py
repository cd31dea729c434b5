"""The scopes cached reads depend on and writes touch: names shared by every adapter.

The database triggers (PostgreSQL migration 0005, SQLite 0009) write the same
names; see docs/adr/0017-cache-coherence-by-scoped-versions.md.
"""

from __future__ import annotations

Scopes = tuple[str, ...]
"""The scopes one cached read depends on (EVERYTHING among them)."""

EVERYTHING = "*"
"""Raised by migrations and bulk changes; every cached read depends on it."""
PRODUCTS = "products"
"""Any product inserted, changed or archived (the product list)."""
WAREHOUSES = "warehouses"
"""Any warehouse opened or changed."""
LEVELS = "levels"
"""Any stock level changed (a product list filtered on stock depends on it)."""
MOVEMENTS = "movements"
"""Any movement recorded (the ledger list)."""


def product(sku: str) -> str:
    """One product: its row and its stock levels in every warehouse."""
    return f"product:{sku}"


def warehouse(code: str) -> str:
    """One warehouse: its row and the stock levels it holds."""
    return f"warehouse:{code}"


def api_key(secret_hash: str) -> str:
    """The API key with this secret hash."""
    return f"api-key:{secret_hash}"


def scopes(*names: str) -> Scopes:
    """``names`` with EVERYTHING, sorted and without repeats: one spelling per set."""
    return tuple(sorted({EVERYTHING, *names}))
