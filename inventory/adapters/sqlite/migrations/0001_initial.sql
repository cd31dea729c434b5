-- The initial schema.
--
-- Shared conventions:
--   * Times are TEXT 'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC with always six fraction
--     digits, so text order is time order and keyset cursors can carry them verbatim.
--   * Money is TEXT with exactly four decimal places, read back as Decimal: REAL
--     would round amounts the API promises to keep exact.
--   * Booleans are INTEGER 0/1.
--   * Every list a client pages through has an index of (filter, sort key, unique
--     tiebreak), so page 1000 is one index range scan, like page 1.
--   * Stock invariants are repeated here as constraints so that a bug in the code,
--     or an operator with a SQL shell, cannot corrupt stock silently.

CREATE TABLE products (
    sku              TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    unit             TEXT NOT NULL DEFAULT 'each',
    barcode          TEXT,
    reorder_point    INTEGER NOT NULL CHECK (reorder_point >= 0),
    reorder_quantity INTEGER NOT NULL CHECK (reorder_quantity >= 0),
    average_cost     TEXT NOT NULL,
    archived         INTEGER NOT NULL CHECK (archived IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL,
    -- `name` case-folded (Unicode, as Python's str.casefold), for the `q` search:
    -- SQLite's own lower() folds ASCII letters only.
    name_folded      TEXT NOT NULL
);

CREATE INDEX products_by_category ON products (category, sku);
CREATE INDEX products_by_name ON products (name, sku);
CREATE INDEX products_by_created_at ON products (created_at, sku);
CREATE INDEX products_by_updated_at ON products (updated_at, sku);
-- The default listing shows active products only; these keep it a range scan
-- however many archived products accumulate. The queries spell `archived = 0`
-- as a literal so the planner can match these partial indexes.
CREATE INDEX products_active_by_sku ON products (sku) WHERE archived = 0;
CREATE INDEX products_active_by_name ON products (name, sku) WHERE archived = 0;

CREATE TABLE warehouses (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One row per (sku, warehouse) that ever held stock. Keyed by the pair, so no
-- rowid: lookups and the (sku, warehouse)-ordered scans read the table itself.
CREATE TABLE stock_levels (
    sku       TEXT NOT NULL REFERENCES products (sku),
    warehouse TEXT NOT NULL REFERENCES warehouses (code),
    on_hand   INTEGER NOT NULL,
    reserved  INTEGER NOT NULL,
    PRIMARY KEY (sku, warehouse),
    CONSTRAINT on_hand_not_negative CHECK (on_hand >= 0),
    CONSTRAINT reserved_not_negative CHECK (reserved >= 0),
    CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
) WITHOUT ROWID;

CREATE INDEX stock_levels_by_warehouse ON stock_levels (warehouse, sku);

-- The ledger. `warehouse` is the source of a transfer, `to_warehouse` its
-- destination; `quantity` is signed for adjustments only. The CHECKs tie the
-- optional columns to the movement type so no half-formed row can be stored.
CREATE TABLE movements (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL
                 CHECK (type IN ('receipt', 'issue', 'transfer', 'adjustment')),
    sku          TEXT NOT NULL REFERENCES products (sku),
    warehouse    TEXT NOT NULL REFERENCES warehouses (code),
    to_warehouse TEXT REFERENCES warehouses (code),
    quantity     INTEGER NOT NULL,
    unit_cost    TEXT,
    reason       TEXT CHECK (reason IN ('count', 'damage', 'loss', 'found', 'correction')),
    reference    TEXT,
    note         TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    CONSTRAINT receipt_has_cost_and_quantity
        CHECK (type <> 'receipt' OR (unit_cost IS NOT NULL AND quantity > 0)),
    CONSTRAINT issue_or_transfer_has_quantity
        CHECK (type NOT IN ('issue', 'transfer') OR quantity > 0),
    CONSTRAINT transfer_moves_between_two_warehouses
        CHECK (type <> 'transfer' OR (to_warehouse IS NOT NULL AND to_warehouse <> warehouse)),
    CONSTRAINT only_transfers_have_destination
        CHECK (type = 'transfer' OR to_warehouse IS NULL),
    CONSTRAINT adjustment_has_reason
        CHECK (type <> 'adjustment' OR reason IS NOT NULL)
);

-- Stock levels are only true if they equal the sum of the ledger, so the ledger
-- must never be rewritten, not even by hand.
CREATE TRIGGER movements_refuse_update BEFORE UPDATE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TRIGGER movements_refuse_delete BEFORE DELETE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE INDEX movements_by_created_at ON movements (created_at, id);
CREATE INDEX movements_by_sku ON movements (sku, created_at, id);
CREATE INDEX movements_by_warehouse ON movements (warehouse, created_at, id);
CREATE INDEX movements_by_to_warehouse ON movements (to_warehouse, created_at, id)
    WHERE to_warehouse IS NOT NULL;
CREATE INDEX movements_by_reference ON movements (reference, created_at, id)
    WHERE reference IS NOT NULL;
CREATE INDEX movements_by_type ON movements (type, created_at, id);

CREATE TABLE orders (
    id         TEXT PRIMARY KEY,
    reference  TEXT NOT NULL UNIQUE,
    warehouse  TEXT NOT NULL REFERENCES warehouses (code),
    status     TEXT NOT NULL CHECK (status IN ('reserved', 'shipped', 'cancelled', 'expired')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT
);

CREATE INDEX orders_by_created_at ON orders (created_at, id);
CREATE INDEX orders_by_status ON orders (status, created_at, id);
CREATE INDEX orders_by_warehouse ON orders (warehouse, created_at, id);
-- The expiry sweep only ever looks at open orders that have a deadline.
CREATE INDEX orders_due_to_expire ON orders (expires_at)
    WHERE status = 'reserved' AND expires_at IS NOT NULL;

-- Lines never change once the order exists; line_no keeps the client's order.
CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no  INTEGER NOT NULL,
    sku      TEXT NOT NULL REFERENCES products (sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

-- Only a hash of each secret is kept; the unique index makes authentication
-- one probe.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'clerk', 'admin')),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
