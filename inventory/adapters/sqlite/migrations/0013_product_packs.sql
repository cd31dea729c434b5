-- Units and packs (API.md §13, docs/adr/0021-units-and-packs.md).
--
-- A product's packs are a JSON array on its row, [{"unit", "quantity",
-- "barcode"?}]: they are read and written whole with the product, so a pack
-- change is a product update and bumps the product's cache scopes through
-- products_update_cache (0009), as any other change of the product does.
ALTER TABLE products ADD COLUMN packs TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(packs) AND json_type(packs) = 'array');

-- What a client entered when it named a unit; quantity stays in base units.
-- Both or neither: a unit without its quantity means nothing.
ALTER TABLE movements ADD COLUMN entered_unit TEXT;
ALTER TABLE movements ADD COLUMN entered_quantity INTEGER
    CHECK ((entered_unit IS NULL) = (entered_quantity IS NULL) AND entered_quantity >= 0);
ALTER TABLE order_lines ADD COLUMN entered_unit TEXT;
ALTER TABLE order_lines ADD COLUMN entered_quantity INTEGER
    CHECK ((entered_unit IS NULL) = (entered_quantity IS NULL) AND entered_quantity >= 1);

-- A scan by a pack's barcode looks here rather than through every product's
-- packs: one row per pack that has a barcode, kept from products.packs by
-- these triggers (no index reaches into a JSON array in SQLite). Nothing
-- reads it but that look-up, so it takes no part in cache versions.
CREATE TABLE product_pack_barcodes (
    sku     TEXT NOT NULL REFERENCES products (sku),
    unit    TEXT NOT NULL,
    barcode TEXT NOT NULL,
    PRIMARY KEY (sku, unit)
) WITHOUT ROWID;
CREATE INDEX product_pack_barcodes_barcode ON product_pack_barcodes (barcode);

CREATE TRIGGER products_pack_barcodes_insert AFTER INSERT ON products
WHEN NEW.packs <> '[]'
BEGIN
    INSERT INTO product_pack_barcodes (sku, unit, barcode)
    SELECT NEW.sku, json_extract(p.value, '$.unit'), json_extract(p.value, '$.barcode')
    FROM json_each(NEW.packs) AS p WHERE json_extract(p.value, '$.barcode') IS NOT NULL;
END;

CREATE TRIGGER products_pack_barcodes_update AFTER UPDATE OF packs ON products
WHEN NEW.packs IS NOT OLD.packs
BEGIN
    DELETE FROM product_pack_barcodes WHERE sku = OLD.sku;
    INSERT INTO product_pack_barcodes (sku, unit, barcode)
    SELECT NEW.sku, json_extract(p.value, '$.unit'), json_extract(p.value, '$.barcode')
    FROM json_each(NEW.packs) AS p WHERE json_extract(p.value, '$.barcode') IS NOT NULL;
END;
