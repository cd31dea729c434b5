-- Serial-numbered units of serial-tracked products (API.md §12). See
-- docs/adr/0022-serial-numbers.md.
--
-- `serials` holds where each unit is now (current state, updated in place,
-- after the unit's (sku, warehouse) level is locked: that lock guards it);
-- `movement_serials` which units each line of a movement moved (append-only,
-- like the ledger); `order_allocation_serials` which units each order
-- allocation reserved (shipping issues exactly these). A held unit (in stock
-- or reserved) sits at a (warehouse, location) of its product, with no lot:
-- a serial-tracked product is not tracked by lot too.

CREATE TABLE serials (
    sku         text COLLATE "C" NOT NULL REFERENCES products (sku),
    serial      text COLLATE "C" NOT NULL CHECK (serial <> ''),
    warehouse   text COLLATE "C" NOT NULL,
    location    text COLLATE "C" NOT NULL,
    status      text NOT NULL
                CHECK (status IN ('in_stock', 'reserved', 'shipped', 'issued', 'written_off')),
    order_id    text COLLATE "C",
    received_at timestamptz NOT NULL,
    PRIMARY KEY (sku, serial),
    FOREIGN KEY (warehouse, location) REFERENCES locations (warehouse, code),
    CONSTRAINT order_only_when_reserved_or_shipped
        CHECK (status IN ('reserved', 'shipped') OR order_id IS NULL),
    CONSTRAINT reserved_for_an_order CHECK (status <> 'reserved' OR order_id IS NOT NULL)
);

CREATE INDEX serials_held_by_slot ON serials (sku, warehouse, location)
    WHERE status IN ('in_stock', 'reserved');
-- A scanned serial, of whichever product holds it.
CREATE INDEX serials_held_by_serial ON serials (serial)
    WHERE status IN ('in_stock', 'reserved');

CREATE TABLE movement_serials (
    movement_id text COLLATE "C" NOT NULL,
    n           integer NOT NULL,
    k           integer NOT NULL,
    serial      text COLLATE "C" NOT NULL CHECK (serial <> ''),
    PRIMARY KEY (movement_id, n, k),
    UNIQUE (movement_id, serial),
    FOREIGN KEY (movement_id, n) REFERENCES movement_allocations (movement_id, n)
);

CREATE INDEX movement_serials_by_serial ON movement_serials (serial, movement_id);

CREATE TRIGGER movement_serials_refuse_change BEFORE UPDATE OR DELETE ON movement_serials
    FOR EACH ROW EXECUTE FUNCTION movements_are_append_only();
CREATE TRIGGER movement_serials_refuse_truncate BEFORE TRUNCATE ON movement_serials
    FOR EACH STATEMENT EXECUTE FUNCTION movements_are_append_only();

CREATE TABLE order_allocation_serials (
    order_id text COLLATE "C" NOT NULL,
    line_no  integer NOT NULL,
    n        integer NOT NULL,
    k        integer NOT NULL,
    serial   text COLLATE "C" NOT NULL CHECK (serial <> ''),
    PRIMARY KEY (order_id, line_no, n, k),
    FOREIGN KEY (order_id, line_no, n) REFERENCES order_allocations (order_id, line_no, n)
);

-- Cache scopes: a unit's place is part of its product's stock, like a slot (0008).
CREATE FUNCTION cache_changes_serials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('levels'), ('product:' || sku)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('levels'), ('product:' || sku)) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER serials_insert_cache AFTER INSERT ON serials
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_serials();
CREATE TRIGGER serials_update_cache AFTER UPDATE ON serials
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_serials();
CREATE TRIGGER serials_delete_cache AFTER DELETE ON serials
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_serials();
CREATE TRIGGER serials_truncate_cache AFTER TRUNCATE ON serials
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();
