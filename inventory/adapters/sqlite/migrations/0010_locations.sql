-- Locations (bins) inside a warehouse (API.md §11; domain/locations.py). Codes
-- follow the sku rule and are unique within their warehouse ignoring case
-- (ADR 0010); `parent` is a location of the same warehouse; a barcode names
-- at most one location. Each warehouse has exactly one default location
-- (`is_default`), which every existing warehouse gets here as `DEFAULT`.
-- Stock is not yet kept per location: nothing else refers to this table.

CREATE TABLE locations (
    warehouse  TEXT NOT NULL REFERENCES warehouses (code),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    parent     TEXT,
    kind       TEXT NOT NULL CHECK (kind IN ('zone', 'aisle', 'shelf', 'bin', 'staging')),
    pickable   INTEGER NOT NULL DEFAULT 1 CHECK (pickable IN (0, 1)),
    barcode    TEXT,
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    PRIMARY KEY (warehouse, code),
    FOREIGN KEY (warehouse, parent) REFERENCES locations (warehouse, code),
    CONSTRAINT not_its_own_parent CHECK (parent IS NULL OR parent <> code),
    CONSTRAINT default_not_archived CHECK (NOT (is_default = 1 AND archived = 1))
) WITHOUT ROWID;

CREATE UNIQUE INDEX locations_code_ignoring_case ON locations (warehouse, lower(code));
CREATE UNIQUE INDEX locations_barcode ON locations (barcode) WHERE barcode IS NOT NULL;
CREATE UNIQUE INDEX locations_one_default ON locations (warehouse) WHERE is_default = 1;
CREATE INDEX locations_by_parent ON locations (warehouse, parent, code);

INSERT INTO locations (warehouse, code, name, kind, is_default, created_at)
SELECT code, 'DEFAULT', 'Default location', 'bin', 1, created_at FROM warehouses;
