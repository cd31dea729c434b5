-- Cache versions per scope, in place of the one data generation (0004).
--
-- A cached read depends on a few scopes (a product, a warehouse, the product
-- list, the ledger, one API key, and '*', which every read depends on) and is
-- kept under the sum of their versions. These triggers raise the version of
-- each scope a row change touches, in the writing transaction, whoever wrote:
-- no code has to remember to. SQLite has one writer at a time, so a counter
-- per scope takes no lock a writer does not already hold. The scope names are
-- those of inventory/application/scopes.py; see
-- docs/adr/0017-cache-coherence-by-scoped-versions.md.
--
-- '*' starts at the old generation (random at first), so that a recreated
-- database does not walk through the versions of the one it replaced while a
-- shared file cache still holds their entries.
CREATE TABLE cache_versions (
    scope   TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO cache_versions (scope, version)
SELECT '*', generation + 1 FROM cache_generation WHERE id = 1;

DROP TABLE cache_generation;

-- One statement a row change, every scope it touches in it.

CREATE TRIGGER products_insert_cache AFTER INSERT ON products
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER products_update_cache AFTER UPDATE ON products
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || NEW.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER products_delete_cache AFTER DELETE ON products
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('products', 1), ('product:' || OLD.sku, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER warehouses_insert_cache AFTER INSERT ON warehouses
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || NEW.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER warehouses_update_cache AFTER UPDATE ON warehouses
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || NEW.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER warehouses_delete_cache AFTER DELETE ON warehouses
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('warehouses', 1), ('warehouse:' || OLD.code, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER stock_levels_insert_cache AFTER INSERT ON stock_levels
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER stock_levels_update_cache AFTER UPDATE ON stock_levels
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || NEW.sku, 1), ('warehouse:' || NEW.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER stock_levels_delete_cache AFTER DELETE ON stock_levels
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('levels', 1), ('product:' || OLD.sku, 1), ('warehouse:' || OLD.warehouse, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER movements_insert_cache AFTER INSERT ON movements
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('movements', 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER movements_update_cache AFTER UPDATE ON movements
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('movements', 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER movements_delete_cache AFTER DELETE ON movements
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('movements', 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER api_keys_insert_cache AFTER INSERT ON api_keys
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || NEW.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER api_keys_update_cache AFTER UPDATE ON api_keys
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || NEW.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER api_keys_delete_cache AFTER DELETE ON api_keys
BEGIN
    INSERT INTO cache_versions (scope, version) VALUES ('api-key:' || OLD.secret_hash, 1)
    ON CONFLICT (scope) DO UPDATE SET version = version + 1;
END;
