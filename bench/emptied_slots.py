"""What (location, lot) levels emptied long ago cost a write, beside a product with none.

    python bench/emptied_slots.py [--bins 50] [--lots 20] [--receipts 200]
        [--stores sqlite,postgres] [--postgres-url URL]

A lot-tracked product receives one unit in each of ``lots`` lots in each of
``bins`` bins (50 x 20 = 1,000 levels), then issues them all: every level
stays stored, empty, as a product's history leaves them. Then, on the same
database, ``receipts`` receipts of a new lot into one bin, one at a time
through the use case (no HTTP), interleaved with as many of the same receipt
of a product with no history (the baseline). Prints receipts/s and p50/p99 of
each, and the emptied levels' cost as a multiple of the baseline (mean time
a receipt), with the ratio of medians beside it. Stores (``--stores``):
``sqlite`` (a fresh file) and ``postgres`` (a fresh schema of
``--postgres-url``, default ``$INVENTORY_TEST_POSTGRES_URL``, dropped at the
end). Exits 1 if a figure read back is not what was received.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: for inventory

from http_api import add_postgres_url, postgres_schema

from inventory.application.catalog import add_product, add_warehouse, product_stock
from inventory.application.commands import (
    CreateLocation,
    CreateProduct,
    CreateWarehouse,
    IssueStock,
    ReceiveStock,
)
from inventory.application.locations import add_location
from inventory.application.stock import record_movement, record_movements
from inventory.bootstrap import Services, bootstrap
from inventory.config import Settings

STORES = ("sqlite", "postgres")


@contextmanager
def services(store: str, args: argparse.Namespace) -> Iterator[Services]:
    """The use cases over a fresh database of ``store``, with no cache."""
    with tempfile.TemporaryDirectory() as directory:
        if store == "sqlite":
            url = f"sqlite:///{directory}/bench.db"
            yield bootstrap(Settings(database_url=url, cache="off"))
            return
        with postgres_schema(args.postgres_url) as url:
            wired = bootstrap(Settings(database_url=url, cache="off"))
            try:
                yield wired
            finally:
                wired.storage.close()


def receipt(sku: str, lot: str) -> ReceiveStock:
    return ReceiveStock.model_validate(
        {"sku": sku, "warehouse": "W", "location": "B-0", "quantity": 1, "unit_cost": "1.00",
         "lot": {"code": lot, "expires_on": "2030-01-31"}}
    )  # fmt: skip


def set_up(s: Services, bins: int, lots: int) -> None:
    """EMPTIED with every (bin, lot) level stored and empty; FRESH with none."""
    add_warehouse(CreateWarehouse(code="W", name="W"), s.uow(), s.clock)
    for sku in ("EMPTIED", "FRESH"):
        add_product(CreateProduct(sku=sku, name=sku, tracking="lot"), s.uow(), s.clock)
    for b in range(bins):
        add_location("W", CreateLocation(code=f"B-{b}"), s.uow(), s.clock)
    spread = [
        receipt("EMPTIED", f"L-{n}").model_copy(update={"location": f"B-{b}"})
        for b in range(bins)
        for n in range(lots)
    ]
    record_movements(spread, s.uow(), s.clock, s.new_id, "bench")
    gone = IssueStock(sku="EMPTIED", warehouse="W", quantity=bins * lots)
    record_movements([gone], s.uow(), s.clock, s.new_id, "bench")


def on_hand(s: Services, sku: str) -> int:
    return sum(level.on_hand for level in product_stock(sku, s.uow()))


def run(store: str, args: argparse.Namespace) -> bool:
    with services(store, args) as s:
        set_up(s, args.bins, args.lots)
        print(f"{store:8} set up {args.bins * args.lots} emptied levels"
              f" ({args.bins} bins x {args.lots} lots)", flush=True)  # fmt: skip
        times: dict[str, list[float]] = {"EMPTIED": [], "FRESH": []}
        for _ in range(args.receipts):
            for sku in times:
                started = time.perf_counter()
                record_movement(receipt(sku, "NEW"), s.uow(), s.clock, s.new_id, "bench")
                times[sku].append(time.perf_counter() - started)
        right = on_hand(s, "EMPTIED") == on_hand(s, "FRESH") == args.receipts
        for sku, label in (("FRESH", "no history"), ("EMPTIED", "emptied levels")):
            ms = sorted(t * 1000 for t in times[sku])
            print(f"{store:8} {label:15} {len(ms) / sum(ms) * 1000:8.0f} receipts/s"
                  f"  p50 {statistics.median(ms):7.2f} ms"
                  f"  p99 {ms[int(len(ms) * 0.99) - 1]:7.2f} ms")  # fmt: skip
        mean = sum(times["EMPTIED"]) / sum(times["FRESH"])
        median = statistics.median(times["EMPTIED"]) / statistics.median(times["FRESH"])
        print(f"{store:8} emptied levels cost {mean:.2f}x a receipt with none (p50 {median:.2f}x)")
        if not right:
            print(f"{store:8} on hand read back is not what was received", file=sys.stderr)
        return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=50)
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--receipts", type=int, default=200)
    parser.add_argument("--stores", default=",".join(STORES))
    add_postgres_url(parser, "the schema")
    args = parser.parse_args()
    stores = args.stores.split(",")
    if not set(stores) <= set(STORES) or min(args.bins, args.lots, args.receipts) < 1:
        parser.error(f"--stores from {','.join(STORES)}; --bins, --lots, --receipts >= 1")
    results = [run(store, args) for store in stores]
    print('{"done": true}' if all(results) else '{"done": false}')
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
