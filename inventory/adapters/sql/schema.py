"""The tables' column lists and sort keys, the same in every SQL dialect.

Rows are read and written as plain tuples in the order of these lists; each
dialect maps them to and from domain objects in its own ``rows`` module.
"""

from __future__ import annotations

from inventory.adapters.sql.paging import SortKeys
from inventory.domain.movements import OUTFLOWS

PRODUCT_COLUMNS = (
    "sku, name, description, category, unit, barcode, reorder_point, reorder_quantity,"
    " average_cost, archived, created_at, updated_at, version, tracking, shelf_life_days, packs"
)
WAREHOUSE_COLUMNS = "code, name, created_at"
LEVEL_COLUMNS = "sku, warehouse, on_hand, reserved"
MOVEMENT_COLUMNS = (
    "id, type, sku, warehouse, to_warehouse, quantity, unit_cost, reason, reference, note,"
    " created_at, created_by, entered_unit, entered_quantity"
)
ORDER_COLUMNS = "id, reference, warehouse, status, created_at, updated_at, expires_at"
API_KEY_COLUMNS = "id, name, role, secret_hash, created_at, revoked_at"
IDEMPOTENCY_COLUMNS = (
    "owner, key, fingerprint, progress, status, headers, body, created_at, expires_at"
)
JOB_COLUMNS = (
    "id, kind, params, status, attempts, max_attempts, created_at, run_at, started_at,"
    " finished_at, error, result, runner, lease_until"
)
OUTBOX_COLUMNS = "id, created_at, recipient, subject, body, reason"

# Sort field name -> the columns of its key, the last one unique.
PRODUCT_SORTS: SortKeys = {
    "sku": ("sku",),
    "name": ("name", "sku"),
    "created_at": ("created_at", "sku"),
    "updated_at": ("updated_at", "sku"),
}
WAREHOUSE_SORTS: SortKeys = {"code": ("code",)}
LEVEL_SORTS: SortKeys = {"sku": ("sku",)}
STOCK_LEVEL_SORTS: SortKeys = {"sku": ("sku", "warehouse")}
BY_CREATION: SortKeys = {"created_at": ("created_at", "id")}
"""Movements, orders and jobs: in the order they were made."""

LEDGER_ORDER = "ORDER BY created_at, id"

# The domain's sign rule (movements.OUTFLOWS) written as SQL, so there is one rule.
_OUTFLOWS = ", ".join(f"'{type.value}'" for type in sorted(OUTFLOWS))
SIGNED_QUANTITY = f"CASE WHEN type IN ({_OUTFLOWS}) THEN -quantity ELSE quantity END"

# Transfers count twice: out of their source, into their destination.
ON_HAND_BY_LEDGER = f"""
SELECT sku, warehouse, SUM(delta) FROM (
    SELECT sku, warehouse, {SIGNED_QUANTITY} AS delta
      FROM movements
    UNION ALL
    SELECT sku, to_warehouse, quantity FROM movements WHERE type = 'transfer'
) AS deltas
GROUP BY sku, warehouse
ORDER BY sku, warehouse
"""

RESERVED_BY_OPEN_ORDERS = (
    "SELECT l.sku, o.warehouse, SUM(l.quantity)"
    " FROM orders AS o JOIN order_lines AS l ON l.order_id = o.id"
    " WHERE o.status = 'reserved'"
    " GROUP BY l.sku, o.warehouse ORDER BY l.sku, o.warehouse"
)
