#!/bin/sh
# A warehouse day through the real CLI, on a fresh SQLite file (demo.db).
# Run by `python3 dev.py demo`; every command is printed before it runs.
set -eu
DEMO_DB="${DEMO_DB:-demo.db}"
rm -f "$DEMO_DB" "$DEMO_DB-wal" "$DEMO_DB-shm"
export INVENTORY_DATABASE_URL="sqlite:///$DEMO_DB"

step() {
  printf '\n$ %s\n' "$*"
  "$@"
}

step inventory migrate
printf '\n$ inventory keys create --name ops --role admin\n'
KEY=$(inventory keys create --name ops --role admin)
echo "$KEY   (shown once; only its hash is stored)"
step inventory warehouses add --code MAIN --name "Main warehouse"
step inventory warehouses add --code EAST --name "East depot"
step inventory products add --sku BOLT-M8 --name "M8 bolt" --category fasteners --reorder-point 50 --reorder-quantity 200
step inventory products add --sku NUT-M8 --name "M8 nut" --category fasteners
step inventory stock receive --sku BOLT-M8 --warehouse MAIN --quantity 100 --unit-cost 0.2000 --reference PO-1
step inventory stock receive --sku BOLT-M8 --warehouse MAIN --quantity 300 --unit-cost 0.3000 --reference PO-2
step inventory stock receive --sku NUT-M8 --warehouse MAIN --quantity 500 --unit-cost 0.0500 --reference PO-3
step inventory stock issue --sku BOLT-M8 --warehouse MAIN --quantity 20 --reference WO-7
step inventory stock transfer --sku BOLT-M8 --from MAIN --to EAST --quantity 80
step inventory stock adjust --sku NUT-M8 --warehouse MAIN --counted 497 --reason damage --note "crushed box"
printf '\n$ inventory orders create --reference SO-100 --warehouse MAIN --line BOLT-M8:150 --line NUT-M8:150 --json\n'
ORDER=$(inventory orders create --reference SO-100 --warehouse MAIN --line BOLT-M8:150 --line NUT-M8:150 --json)
echo "$ORDER"
ORDER_ID=$(printf '%s' "$ORDER" | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
step inventory orders ship "$ORDER_ID"
printf '\n$ inventory orders create --reference SO-101 --warehouse MAIN --line BOLT-M8:10 --json\n'
ORDER=$(inventory orders create --reference SO-101 --warehouse MAIN --line BOLT-M8:10 --json)
ORDER_ID=$(printf '%s' "$ORDER" | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
step inventory orders cancel "$ORDER_ID"
printf '\n$ inventory orders create --reference SO-102 --warehouse MAIN --line BOLT-M8:1000   # more than there is\n'
inventory orders create --reference SO-102 --warehouse MAIN --line BOLT-M8:1000 || echo "(refused, exit $?; nothing was reserved)"
step inventory products show BOLT-M8
step inventory stock movements --sku BOLT-M8
printf '\n# Food by lot: a cold-room bin, two lots, an order picked first-expired-first-out, a recall.\n'
step inventory products add --sku YOG-500 --name "Yoghurt 500 g" --category dairy --tracking lot --shelf-life-days 21
step inventory locations add --warehouse MAIN --code CHILL-1 --name "Cold room, bin 1"
# No --expires: the lot keeps the product's shelf life from today.
step inventory stock receive --sku YOG-500 --warehouse MAIN --quantity 40 --unit-cost 0.9000 --location CHILL-1 --lot L-0412 --reference PO-4
SOON=$(python -c 'import datetime as d; print(d.datetime.now(d.timezone.utc).date() + d.timedelta(days=6))')
# A second lot, nearer its expiry, arrives at the dock (MAIN's default location).
step inventory stock receive --sku YOG-500 --warehouse MAIN --quantity 24 --unit-cost 0.8500 --lot L-0398 --expires "$SOON" --reference PO-5
step inventory products show YOG-500 --detail
# Naming no lot, the order takes the lot that expires first (L-0398), then the next.
step inventory orders create --reference SO-200 --warehouse MAIN --line YOG-500:30
step inventory orders ship SO-200
printf '\n# Recall of lot L-0412: every movement and order that touched it, and where the rest is.\n'
step inventory lots trace YOG-500 L-0412
step inventory report valuation
step inventory report low-stock
step inventory check
printf '\nThe demo database is %s; try: .venv/bin/inventory --database sqlite:///%s products list\n' "$DEMO_DB" "$DEMO_DB"
