-- Stock per (sku, warehouse, location, lot), lots with their expiry, and what
-- each movement and order took from where (API.md §11, §12). See
-- docs/adr/0020-stock-by-location-and-lot.md.
--
-- stock_levels stays: one row per (sku, warehouse), the sum of that pair's
-- rows in location_stock, written in the same transaction (`inventory check`
-- verifies both against the ledger). Existing stock moves to each warehouse's
-- default location, with no lot; existing movements get one allocation each,
-- at the default location(s). `lot` is '' where there is none, so it can be
-- part of a key.

ALTER TABLE products ADD COLUMN tracking TEXT NOT NULL DEFAULT 'none'
    CHECK (tracking IN ('none', 'lot', 'serial'));
ALTER TABLE products ADD COLUMN shelf_life_days INTEGER CHECK (shelf_life_days >= 1);

CREATE TABLE lots (
    sku             TEXT NOT NULL REFERENCES products (sku),
    code            TEXT NOT NULL CHECK (code <> ''),
    expires_on      TEXT,
    manufactured_on TEXT,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (sku, code)
) WITHOUT ROWID;

CREATE INDEX lots_by_expiry ON lots (expires_on, sku, code) WHERE expires_on IS NOT NULL;

CREATE TABLE location_stock (
    sku       TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    location  TEXT NOT NULL,
    lot       TEXT NOT NULL DEFAULT '',
    on_hand   INTEGER NOT NULL,
    reserved  INTEGER NOT NULL,
    PRIMARY KEY (sku, warehouse, location, lot),
    FOREIGN KEY (sku, warehouse) REFERENCES stock_levels (sku, warehouse),
    FOREIGN KEY (warehouse, location) REFERENCES locations (warehouse, code),
    CONSTRAINT on_hand_not_negative CHECK (on_hand >= 0),
    CONSTRAINT reserved_not_negative CHECK (reserved >= 0),
    CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
) WITHOUT ROWID;

CREATE INDEX location_stock_by_location ON location_stock (warehouse, location, sku, lot);
CREATE INDEX location_stock_by_lot ON location_stock (sku, lot) WHERE lot <> '';

INSERT INTO location_stock (sku, warehouse, location, lot, on_hand, reserved)
SELECT s.sku, s.warehouse, l.code, '', s.on_hand, s.reserved
  FROM stock_levels AS s JOIN locations AS l ON l.warehouse = s.warehouse AND l.is_default = 1;

-- The ledger again, with 'expired' among the adjustment reasons (a CHECK that
-- SQLite can only change by rebuilding the table). Its rows are copied as they are.
CREATE TABLE movements_rebuilt (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL
                 CHECK (type IN ('receipt', 'issue', 'transfer', 'adjustment')),
    sku          TEXT NOT NULL REFERENCES products (sku),
    warehouse    TEXT NOT NULL REFERENCES warehouses (code),
    to_warehouse TEXT REFERENCES warehouses (code),
    quantity     INTEGER NOT NULL,
    unit_cost    TEXT,
    reason       TEXT
                 CHECK (reason IN ('count', 'damage', 'loss', 'found', 'correction', 'expired')),
    reference    TEXT,
    note         TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    CONSTRAINT receipt_has_cost_and_quantity
        CHECK (type <> 'receipt' OR (unit_cost IS NOT NULL AND quantity > 0)),
    CONSTRAINT issue_or_transfer_has_quantity
        CHECK (type NOT IN ('issue', 'transfer') OR quantity > 0),
    CONSTRAINT transfer_moves_between_two_warehouses
        CHECK (type <> 'transfer' OR to_warehouse IS NOT NULL),
    CONSTRAINT only_transfers_have_destination
        CHECK (type = 'transfer' OR to_warehouse IS NULL),
    CONSTRAINT adjustment_has_reason
        CHECK (type <> 'adjustment' OR reason IS NOT NULL)
);

INSERT INTO movements_rebuilt SELECT
    id, type, sku, warehouse, to_warehouse, quantity, unit_cost, reason, reference, note,
    created_at, created_by
FROM movements;

DROP TABLE movements;
ALTER TABLE movements_rebuilt RENAME TO movements;

CREATE TRIGGER movements_refuse_update BEFORE UPDATE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TRIGGER movements_refuse_delete BEFORE DELETE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TRIGGER movements_insert_cache AFTER INSERT ON movements
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('movements', 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE INDEX movements_by_created_at ON movements (created_at, id);
CREATE INDEX movements_by_sku ON movements (sku, created_at, id);
CREATE INDEX movements_by_warehouse ON movements (warehouse, created_at, id);
CREATE INDEX movements_by_to_warehouse ON movements (to_warehouse, created_at, id)
    WHERE to_warehouse IS NOT NULL;
CREATE INDEX movements_by_reference ON movements (reference, created_at, id)
    WHERE reference IS NOT NULL;
CREATE INDEX movements_by_type ON movements (type, created_at, id);

-- Where each movement took its units from and put them: one row per
-- (location, lot) it touched. `quantity` carries the movement's sign rule
-- (signed for adjustments); a transfer's rows name both ends. Append-only,
-- like the ledger it belongs to.
CREATE TABLE movement_allocations (
    movement_id TEXT NOT NULL REFERENCES movements (id),
    n           INTEGER NOT NULL,
    location    TEXT NOT NULL,
    to_location TEXT,
    lot         TEXT NOT NULL DEFAULT '',
    quantity    INTEGER NOT NULL,
    PRIMARY KEY (movement_id, n)
) WITHOUT ROWID;

CREATE INDEX movement_allocations_by_lot ON movement_allocations (lot, movement_id) WHERE lot <> '';

CREATE TRIGGER movement_allocations_refuse_update BEFORE UPDATE ON movement_allocations
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TRIGGER movement_allocations_refuse_delete BEFORE DELETE ON movement_allocations
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

INSERT INTO movement_allocations (movement_id, n, location, to_location, lot, quantity)
SELECT m.id, 0, f.code, t.code, '', m.quantity
  FROM movements AS m
  JOIN locations AS f ON f.warehouse = m.warehouse AND f.is_default = 1
  LEFT JOIN locations AS t ON t.warehouse = m.to_warehouse AND t.is_default = 1;

-- What each order line reserved, and where: shipping issues exactly this.
CREATE TABLE order_allocations (
    order_id TEXT NOT NULL,
    line_no  INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    location TEXT NOT NULL,
    lot      TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no, n),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
) WITHOUT ROWID;

CREATE INDEX order_allocations_by_lot ON order_allocations (lot, order_id) WHERE lot <> '';

INSERT INTO order_allocations (order_id, line_no, n, location, lot, quantity)
SELECT o.id, l.line_no, 0, d.code, '', l.quantity
  FROM orders AS o
  JOIN order_lines AS l ON l.order_id = o.id
  JOIN locations AS d ON d.warehouse = o.warehouse AND d.is_default = 1;

-- Cache scopes: a location's or a lot's figures are part of the product's
-- stock and of the warehouse's, like stock_levels' rows (0009).
CREATE TRIGGER location_stock_insert_cache AFTER INSERT ON location_stock
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER location_stock_update_cache AFTER UPDATE ON location_stock
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER location_stock_delete_cache AFTER DELETE ON location_stock
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1), ('warehouse:' || OLD.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER lots_insert_cache AFTER INSERT ON lots
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

-- Expiry alerts (API.md §12): a job kind of their own (the jobs table again,
-- its CHECK changed, its rows copied as they are), and the day each lot's
-- alert was queued, so that it is queued once.
CREATE TABLE jobs_rebuilt (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('report', 'low_stock_alert', 'expiry_alert')),
    params       TEXT NOT NULL,  -- JSON object
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    created_at   TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    error        TEXT,
    result       TEXT,
    runner       TEXT,
    lease_until  TEXT,
    CHECK ((status = 'running') = (lease_until IS NOT NULL))
);

INSERT INTO jobs_rebuilt SELECT
    id, kind, params, status, attempts, max_attempts, created_at, run_at, started_at,
    finished_at, error, result, runner, lease_until
FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_rebuilt RENAME TO jobs;

CREATE INDEX jobs_queued_by_run_at ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (lease_until, id) WHERE status = 'running';
CREATE INDEX jobs_by_created_at ON jobs (created_at, id);
CREATE INDEX jobs_by_kind ON jobs (kind, created_at, id);
CREATE INDEX jobs_by_status ON jobs (status, created_at, id);

ALTER TABLE lots ADD COLUMN warned_on TEXT;

-- The location and lot an order line named, if any (its allocations say where
-- it reserved; these say what it asked for).
ALTER TABLE order_lines ADD COLUMN location TEXT;
ALTER TABLE order_lines ADD COLUMN lot TEXT;
