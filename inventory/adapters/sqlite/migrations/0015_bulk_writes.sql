-- Bulk writes (docs/adr/0017-cache-coherence-by-scoped-versions.md, "Bulk writes"):
-- while a unit of work holds the one row of `bulk_writes`, the cache triggers
-- skip their per-row bookkeeping, and the unit raises the version of every
-- scope ('*') once instead. Only a long import takes it (more than one batch),
-- so every other write, by this service or by any other tool, still raises
-- exactly the scopes it touched.
--
-- The row can never be committed: it refers, deferred, to a row of
-- `bulk_writes_never`, which stays empty, so a COMMIT with the row still there
-- fails on the foreign key (our connections turn foreign keys on) and the
-- triggers cannot be left switched off for anyone.

CREATE TABLE bulk_writes_never (
    id INTEGER PRIMARY KEY
);

CREATE TABLE bulk_writes (
    id INTEGER PRIMARY KEY CHECK (id = 1)
        REFERENCES bulk_writes_never (id) DEFERRABLE INITIALLY DEFERRED
);

DROP TRIGGER api_keys_delete_cache;
CREATE TRIGGER api_keys_delete_cache AFTER DELETE ON api_keys
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || OLD.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER api_keys_insert_cache;
CREATE TRIGGER api_keys_insert_cache AFTER INSERT ON api_keys
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || NEW.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER api_keys_update_cache;
CREATE TRIGGER api_keys_update_cache AFTER UPDATE ON api_keys
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || NEW.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER location_stock_delete_cache;
CREATE TRIGGER location_stock_delete_cache AFTER DELETE ON location_stock
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1), ('warehouse:' || OLD.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER location_stock_insert_cache;
CREATE TRIGGER location_stock_insert_cache AFTER INSERT ON location_stock
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER location_stock_update_cache;
CREATE TRIGGER location_stock_update_cache AFTER UPDATE ON location_stock
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER lots_insert_cache;
CREATE TRIGGER lots_insert_cache AFTER INSERT ON lots
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER movements_insert_cache;
CREATE TRIGGER movements_insert_cache AFTER INSERT ON movements
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('movements', 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER products_delete_cache;
CREATE TRIGGER products_delete_cache AFTER DELETE ON products
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || OLD.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER products_insert_cache;
CREATE TRIGGER products_insert_cache AFTER INSERT ON products
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER products_update_cache;
CREATE TRIGGER products_update_cache AFTER UPDATE ON products
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER serials_delete_cache;
CREATE TRIGGER serials_delete_cache AFTER DELETE ON serials
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER serials_insert_cache;
CREATE TRIGGER serials_insert_cache AFTER INSERT ON serials
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER serials_update_cache;
CREATE TRIGGER serials_update_cache AFTER UPDATE ON serials
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER stock_levels_delete_cache;
CREATE TRIGGER stock_levels_delete_cache AFTER DELETE ON stock_levels
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1), ('warehouse:' || OLD.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER stock_levels_insert_cache;
CREATE TRIGGER stock_levels_insert_cache AFTER INSERT ON stock_levels
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER stock_levels_update_cache;
CREATE TRIGGER stock_levels_update_cache AFTER UPDATE ON stock_levels
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER warehouses_delete_cache;
CREATE TRIGGER warehouses_delete_cache AFTER DELETE ON warehouses
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || OLD.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER warehouses_insert_cache;
CREATE TRIGGER warehouses_insert_cache AFTER INSERT ON warehouses
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || NEW.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER warehouses_update_cache;
CREATE TRIGGER warehouses_update_cache AFTER UPDATE ON warehouses
WHEN NOT EXISTS (SELECT 1 FROM bulk_writes)
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || NEW.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
