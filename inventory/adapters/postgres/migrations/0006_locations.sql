-- Locations (bins) inside a warehouse (SQLite migration 0010; API.md §11).
-- Codes are unique within their warehouse ignoring case (ADR 0010); `parent`
-- is a location of the same warehouse; a barcode names at most one location.
-- Each warehouse has exactly one default location (`is_default`), which every
-- existing warehouse gets here as `DEFAULT`. Stock is not yet kept per location.
-- Codes sort by byte (COLLATE "C"), as in SQLite and the memory store.

CREATE TABLE locations (
    warehouse  TEXT COLLATE "C" NOT NULL REFERENCES warehouses (code),
    code       TEXT COLLATE "C" NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    parent     TEXT COLLATE "C",
    kind       TEXT NOT NULL CHECK (kind IN ('zone', 'aisle', 'shelf', 'bin', 'staging')),
    pickable   BOOLEAN NOT NULL DEFAULT TRUE,
    barcode    TEXT,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    archived   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (warehouse, code),
    FOREIGN KEY (warehouse, parent) REFERENCES locations (warehouse, code),
    CONSTRAINT not_its_own_parent CHECK (parent IS NULL OR parent <> code),
    CONSTRAINT default_not_archived CHECK (NOT (is_default AND archived))
);

CREATE UNIQUE INDEX locations_code_ignoring_case ON locations (warehouse, lower(code));
CREATE UNIQUE INDEX locations_barcode ON locations (barcode) WHERE barcode IS NOT NULL;
CREATE UNIQUE INDEX locations_one_default ON locations (warehouse) WHERE is_default;
CREATE INDEX locations_by_parent ON locations (warehouse, parent, code);

INSERT INTO locations (warehouse, code, name, kind, is_default, created_at)
SELECT code, 'DEFAULT', 'Default location', 'bin', TRUE, created_at FROM warehouses;
