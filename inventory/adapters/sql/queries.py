"""Queries whose text is the same in every dialect but for its placeholders."""

from __future__ import annotations

from inventory.adapters.sql.dialect import Dialect
from inventory.adapters.sql.paging import Keyset, Where, keyset
from inventory.adapters.sql.schema import LEVEL_COLUMNS, MOVEMENT_COLUMNS, STOCK_LEVEL_SORTS
from inventory.application.queries import LevelFilter, MovementFilter, PageSpec


def update_job(dialect: Dialect) -> str:
    """What a job's life changes, then its id (the parameters of ``RowCodec.job_update``)."""
    columns = (
        "status", "attempts", "run_at", "started_at", "finished_at", "error", "result", "runner",
        "lease_until",
    )  # fmt: skip
    sets = ", ".join(f"{column} = {dialect.mark}" for column in columns)
    return f"UPDATE jobs SET {sets} WHERE id = {dialect.mark}"


def select_movements(
    filter: MovementFilter, ks: Keyset | None, dialect: Dialect
) -> tuple[str, list[object]]:
    """The SELECT of matching movements (to be followed by ORDER BY), and its parameters."""
    mark, stored_time = dialect.mark, dialect.codec.time_out
    where = Where(dialect)
    where.equal("sku", filter.sku)
    where.equal("type", filter.type and filter.type.value)
    where.equal("reference", filter.reference)
    if filter.since is not None:
        where.add(f"created_at >= {mark}", stored_time(filter.since))
    if filter.until is not None:
        where.add(f"created_at < {mark}", stored_time(filter.until))
    if ks is not None:
        where.after(ks)
    if filter.warehouse is None:
        return f"SELECT {MOVEMENT_COLUMNS} FROM movements{where.clause}", where.params
    # Either side of a transfer. Two ordered index scans merged by the compound
    # SELECT keep a page cheap; an OR would sort every match of the warehouse.
    # A transfer never has the same warehouse on both sides, so no row repeats.
    rest = "".join(f" AND {condition}" for condition in where.conditions)
    sql = (
        f"SELECT {MOVEMENT_COLUMNS} FROM movements WHERE warehouse = {mark}{rest}"
        f" UNION ALL SELECT {MOVEMENT_COLUMNS} FROM movements WHERE to_warehouse = {mark}{rest}"
    )
    return sql, [filter.warehouse, *where.params, filter.warehouse, *where.params]


def select_levels(
    filter: LevelFilter, page: PageSpec, dialect: Dialect
) -> tuple[str, list[object]]:
    """A page of the stock levels ``filter`` picks, by (sku, warehouse), and its parameters.

    The primary key (sku, warehouse) serves every level and one sku's; the
    (warehouse, sku) index one warehouse's.
    """
    ks = keyset(page, STOCK_LEVEL_SORTS, dialect)
    where = Where(dialect)
    where.equal("sku", filter.sku)
    where.equal("warehouse", filter.warehouse)
    where.after(ks)
    sql = (
        f"SELECT {LEVEL_COLUMNS} FROM stock_levels{where.clause} {ks.order_by} LIMIT {dialect.mark}"
    )
    return sql, [*where.params, ks.limit]
