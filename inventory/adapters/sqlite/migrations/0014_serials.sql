-- Serial-numbered units of serial-tracked products (API.md §12). See
-- docs/adr/0022-serial-numbers.md.
--
-- `serials` holds where each unit is now (current state, updated in place);
-- `movement_serials` which units each line of a movement moved (append-only,
-- like the ledger); `order_allocation_serials` which units each order
-- allocation reserved (shipping issues exactly these). A held unit (in stock
-- or reserved) sits at a (warehouse, location) of its product, with no lot:
-- a serial-tracked product is not tracked by lot too.

CREATE TABLE serials (
    sku         TEXT NOT NULL REFERENCES products (sku),
    serial      TEXT NOT NULL CHECK (serial <> ''),
    warehouse   TEXT NOT NULL,
    location    TEXT NOT NULL,
    status      TEXT NOT NULL
                CHECK (status IN ('in_stock', 'reserved', 'shipped', 'issued', 'written_off')),
    order_id    TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sku, serial),
    FOREIGN KEY (warehouse, location) REFERENCES locations (warehouse, code),
    CONSTRAINT order_only_when_reserved_or_shipped
        CHECK (status IN ('reserved', 'shipped') OR order_id IS NULL),
    CONSTRAINT reserved_for_an_order CHECK (status <> 'reserved' OR order_id IS NOT NULL)
) WITHOUT ROWID;

CREATE INDEX serials_held_by_slot ON serials (sku, warehouse, location)
    WHERE status IN ('in_stock', 'reserved');
-- A scanned serial, of whichever product holds it.
CREATE INDEX serials_held_by_serial ON serials (serial)
    WHERE status IN ('in_stock', 'reserved');

CREATE TABLE movement_serials (
    movement_id TEXT NOT NULL,
    n           INTEGER NOT NULL,
    k           INTEGER NOT NULL,
    serial      TEXT NOT NULL CHECK (serial <> ''),
    PRIMARY KEY (movement_id, n, k),
    UNIQUE (movement_id, serial),
    FOREIGN KEY (movement_id, n) REFERENCES movement_allocations (movement_id, n)
) WITHOUT ROWID;

CREATE INDEX movement_serials_by_serial ON movement_serials (serial, movement_id);

CREATE TRIGGER movement_serials_refuse_update BEFORE UPDATE ON movement_serials
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TRIGGER movement_serials_refuse_delete BEFORE DELETE ON movement_serials
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

CREATE TABLE order_allocation_serials (
    order_id TEXT NOT NULL,
    line_no  INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    k        INTEGER NOT NULL,
    serial   TEXT NOT NULL CHECK (serial <> ''),
    PRIMARY KEY (order_id, line_no, n, k),
    FOREIGN KEY (order_id, line_no, n) REFERENCES order_allocations (order_id, line_no, n)
) WITHOUT ROWID;

-- Cache scopes: a unit's place is part of its product's stock, like a slot (0012).
CREATE TRIGGER serials_insert_cache AFTER INSERT ON serials
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER serials_update_cache AFTER UPDATE ON serials
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER serials_delete_cache AFTER DELETE ON serials
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
