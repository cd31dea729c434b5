-- Units and packs (API.md §13, docs/adr/0021-units-and-packs.md).
--
-- A product's packs are a JSON array on its row, [{"unit", "quantity",
-- "barcode"?}]: they are read and written whole with the product, so a pack
-- change is a product update and bumps the product's cache scopes through
-- products_update_cache (0005), as any other change of the product does.
ALTER TABLE products ADD COLUMN packs jsonb NOT NULL DEFAULT '[]'::jsonb
    CHECK (jsonb_typeof(packs) = 'array');
-- A scan finds a pack by its barcode: packs @> '[{"barcode": "..."}]'.
CREATE INDEX products_pack_barcodes ON products USING gin (packs jsonb_path_ops);

-- What a client entered when it named a unit; quantity stays in base units.
-- Both or neither: a unit without its quantity means nothing.
ALTER TABLE movements ADD COLUMN entered_unit text,
    ADD COLUMN entered_quantity bigint,
    ADD CONSTRAINT movements_entered
        CHECK ((entered_unit IS NULL) = (entered_quantity IS NULL) AND entered_quantity >= 0);
ALTER TABLE order_lines ADD COLUMN entered_unit text,
    ADD COLUMN entered_quantity bigint,
    ADD CONSTRAINT order_lines_entered
        CHECK ((entered_unit IS NULL) = (entered_quantity IS NULL) AND entered_quantity >= 1);
