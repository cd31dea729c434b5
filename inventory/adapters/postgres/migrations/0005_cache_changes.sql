-- Cache versions per scope, in place of the one data generation row (0001).
--
-- A cached read depends on a few scopes (a product, a warehouse, the product
-- list, the ledger, one API key, and '*', which every read depends on). The
-- triggers below record, for each statement that changes a row of data, the
-- scopes it touched and the writing transaction's id: whoever writes, no code
-- has to remember to. Rows are only ever inserted, each transaction its own
-- (scope, txid), so two writers never wait on each other here: no row, lock
-- or counter is shared by every write. A scope's version is the highest txid
-- recorded for it; rows below it are dead weight, removed by prune_versions.
-- Why an entry kept under that version is never stale (the xmin rule), and
-- the alternatives: docs/adr/0017-cache-coherence-by-scoped-versions.md.
-- The scope names are those of inventory/application/scopes.py.
CREATE TABLE cache_changes (
    scope text COLLATE "C" NOT NULL,
    txid  bigint NOT NULL,
    PRIMARY KEY (scope, txid)
);

-- Part of every version, never written again: a recreated database is all but
-- certain not to reuse the versions a shared cache still holds entries of. It
-- keeps the old generation's value (random at first).
CREATE TABLE cache_epoch (
    id    integer PRIMARY KEY CHECK (id = 1),
    epoch bigint NOT NULL
);

INSERT INTO cache_epoch (id, epoch) SELECT 1, generation + 1 FROM cache_generation WHERE id = 1;

DROP TABLE cache_generation;

-- A TRUNCATE (or anything else bulk) counts as a write to every scope.
CREATE FUNCTION cache_changes_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cache_changes (scope, txid) VALUES ('*', pg_current_xact_id()::text::bigint)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION cache_changes_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('products'), ('product:' || sku)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS r, LATERAL (VALUES ('products'), ('product:' || sku)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('products'), ('product:' || sku)) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_insert_cache AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_products();
CREATE TRIGGER products_update_cache AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_products();
CREATE TRIGGER products_delete_cache AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_products();
CREATE TRIGGER products_truncate_cache AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

CREATE FUNCTION cache_changes_warehouses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('warehouses'), ('warehouse:' || code)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS r, LATERAL (VALUES ('warehouses'), ('warehouse:' || code)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('warehouses'), ('warehouse:' || code)) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER warehouses_insert_cache AFTER INSERT ON warehouses
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_warehouses();
CREATE TRIGGER warehouses_update_cache AFTER UPDATE ON warehouses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_warehouses();
CREATE TRIGGER warehouses_delete_cache AFTER DELETE ON warehouses
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_warehouses();
CREATE TRIGGER warehouses_truncate_cache AFTER TRUNCATE ON warehouses
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

CREATE FUNCTION cache_changes_stock_levels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('levels'), ('product:' || sku), ('warehouse:' || warehouse)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS r, LATERAL (VALUES ('levels'), ('product:' || sku), ('warehouse:' || warehouse)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('levels'), ('product:' || sku), ('warehouse:' || warehouse)) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_levels_insert_cache AFTER INSERT ON stock_levels
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER stock_levels_update_cache AFTER UPDATE ON stock_levels
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER stock_levels_delete_cache AFTER DELETE ON stock_levels
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_stock_levels();
CREATE TRIGGER stock_levels_truncate_cache AFTER TRUNCATE ON stock_levels
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

CREATE FUNCTION cache_changes_movements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('movements')) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS r, LATERAL (VALUES ('movements')) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('movements')) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER movements_insert_cache AFTER INSERT ON movements
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_movements();
CREATE TRIGGER movements_update_cache AFTER UPDATE ON movements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_movements();
CREATE TRIGGER movements_delete_cache AFTER DELETE ON movements
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_movements();
CREATE TRIGGER movements_truncate_cache AFTER TRUNCATE ON movements
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();

CREATE FUNCTION cache_changes_api_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM new_rows, LATERAL (VALUES ('api-key:' || secret_hash)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS r, LATERAL (VALUES ('api-key:' || secret_hash)) AS v (scope)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO cache_changes (scope, txid)
        SELECT DISTINCT v.scope, pg_current_xact_id()::text::bigint
        FROM old_rows, LATERAL (VALUES ('api-key:' || secret_hash)) AS v (scope)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_insert_cache AFTER INSERT ON api_keys
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_api_keys();
CREATE TRIGGER api_keys_update_cache AFTER UPDATE ON api_keys
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_api_keys();
CREATE TRIGGER api_keys_delete_cache AFTER DELETE ON api_keys
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_api_keys();
CREATE TRIGGER api_keys_truncate_cache AFTER TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION cache_changes_everything();
