-- Stock per (sku, warehouse, location, lot), lots with their expiry, and what
-- each movement and order took from where (API.md §11, §12). See
-- docs/adr/0020-stock-by-location-and-lot.md.
--
-- stock_levels stays: one row per (sku, warehouse), the sum of that pair's
-- rows in location_stock, written in the same transaction, after the
-- (sku, warehouse) row is locked: so that row's lock also guards its
-- locations and lots (`inventory check` verifies both against the ledger).
-- Existing stock moves to each warehouse's default location, with no lot;
-- existing movements get one allocation each, at the default location(s).
-- `lot` is '' where there is none, so it can be part of a key.

ALTER TABLE products ADD COLUMN tracking text NOT NULL DEFAULT 'none'
    CHECK (tracking IN ('none', 'lot', 'serial'));
ALTER TABLE products ADD COLUMN shelf_life_days integer CHECK (shelf_life_days >= 1);

CREATE TABLE lots (
    sku             text COLLATE "C" NOT NULL REFERENCES products (sku),
    code            text COLLATE "C" NOT NULL CHECK (code <> ''),
    expires_on      date,
    manufactured_on date,
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (sku, code)
);

CREATE INDEX lots_by_expiry ON lots (expires_on, sku, code) WHERE expires_on IS NOT NULL;

CREATE TABLE location_stock (
    sku       text COLLATE "C" NOT NULL,
    warehouse text COLLATE "C" NOT NULL,
    location  text COLLATE "C" NOT NULL,
    lot       text COLLATE "C" NOT NULL DEFAULT '',
    on_hand   bigint NOT NULL,
    reserved  bigint NOT NULL,
    PRIMARY KEY (sku, warehouse, location, lot),
    FOREIGN KEY (sku, warehouse) REFERENCES stock_levels (sku, warehouse),
    FOREIGN KEY (warehouse, location) REFERENCES locations (warehouse, code),
    CONSTRAINT on_hand_not_negative CHECK (on_hand >= 0),
    CONSTRAINT reserved_not_negative CHECK (reserved >= 0),
    CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
);

CREATE INDEX location_stock_by_location ON location_stock (warehouse, location, sku, lot);
CREATE INDEX location_stock_by_lot ON location_stock (sku, lot) WHERE lot <> '';

INSERT INTO location_stock (sku, warehouse, location, lot, on_hand, reserved)
SELECT s.sku, s.warehouse, l.code, '', s.on_hand, s.reserved
  FROM stock_levels AS s JOIN locations AS l ON l.warehouse = s.warehouse AND l.is_default;

-- 'expired' joins the adjustment reasons; a transfer may stay in one
-- warehouse when its locations differ (movement_allocations say which).
ALTER TABLE movements DROP CONSTRAINT movements_reason_check;
ALTER TABLE movements ADD CONSTRAINT movements_reason_check
    CHECK (reason IN ('count', 'damage', 'loss', 'found', 'correction', 'expired'));
ALTER TABLE movements DROP CONSTRAINT transfer_moves_between_two_warehouses;
ALTER TABLE movements ADD CONSTRAINT transfer_moves_between_two_warehouses
    CHECK (type <> 'transfer' OR to_warehouse IS NOT NULL);

-- Where each movement took its units from and put them: one row per
-- (location, lot) it touched. `quantity` carries the movement's sign rule
-- (signed for adjustments); a transfer's rows name both ends. Append-only,
-- like the ledger it belongs to.
CREATE TABLE movement_allocations (
    movement_id text COLLATE "C" NOT NULL REFERENCES movements (id),
    n           integer NOT NULL,
    location    text COLLATE "C" NOT NULL,
    to_location text COLLATE "C",
    lot         text COLLATE "C" NOT NULL DEFAULT '',
    quantity    bigint NOT NULL,
    PRIMARY KEY (movement_id, n)
);

CREATE INDEX movement_allocations_by_lot ON movement_allocations (lot, movement_id) WHERE lot <> '';

CREATE TRIGGER movement_allocations_refuse_change BEFORE UPDATE OR DELETE ON movement_allocations
    FOR EACH ROW EXECUTE FUNCTION movements_are_append_only();
CREATE TRIGGER movement_allocations_refuse_truncate BEFORE TRUNCATE ON movement_allocations
    FOR EACH STATEMENT EXECUTE FUNCTION movements_are_append_only();

INSERT INTO movement_allocations (movement_id, n, location, to_location, lot, quantity)
SELECT m.id, 0, f.code, t.code, '', m.quantity
  FROM movements AS m
  JOIN locations AS f ON f.warehouse = m.warehouse AND f.is_default
  LEFT JOIN locations AS t ON t.warehouse = m.to_warehouse AND t.is_default;

-- What each order line reserved, and where: shipping issues exactly this.
CREATE TABLE order_allocations (
    order_id text COLLATE "C" NOT NULL,
    line_no  integer NOT NULL,
    n        integer NOT NULL,
    location text COLLATE "C" NOT NULL,
    lot      text COLLATE "C" NOT NULL DEFAULT '',
    quantity bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no, n),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
);

CREATE INDEX order_allocations_by_lot ON order_allocations (lot, order_id) WHERE lot <> '';

INSERT INTO order_allocations (order_id, line_no, n, location, lot, quantity)
SELECT o.id, l.line_no, 0, d.code, '', l.quantity
  FROM orders AS o
  JOIN order_lines AS l ON l.order_id = o.id
  JOIN locations AS d ON d.warehouse = o.warehouse AND d.is_default;

-- Cache scopes: a location's or a lot's figures are part of the product's
-- stock and of the warehouse's, like stock_levels' rows (0005).
CREATE TRIGGER location_stock_insert_cache AFTER INSERT ON location_stock
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER location_stock_update_cache AFTER UPDATE ON location_stock
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER location_stock_delete_cache AFTER DELETE ON location_stock
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER location_stock_truncate_cache AFTER TRUNCATE ON location_stock
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

CREATE FUNCTION cache_changes_lots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cache_changes (scope, txid)
    SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
    FROM new_rows, LATERAL (VALUES ('levels'), ('product:' || sku)) AS v (scope)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER lots_insert_cache AFTER INSERT ON lots
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_lots();
CREATE TRIGGER lots_truncate_cache AFTER TRUNCATE ON lots
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

-- Expiry alerts (API.md §12): a job kind of their own, and the day each lot's
-- alert was queued, so that it is queued once.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('report', 'low_stock_alert', 'expiry_alert'));
ALTER TABLE lots ADD COLUMN warned_on date;

-- The location and lot an order line named, if any (its allocations say where
-- it reserved; these say what it asked for).
ALTER TABLE order_lines ADD COLUMN location text COLLATE "C";
ALTER TABLE order_lines ADD COLUMN lot text COLLATE "C";
