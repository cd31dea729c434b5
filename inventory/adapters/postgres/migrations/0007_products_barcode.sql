-- A scan (API.md §13) finds products by barcode: `barcode IN (...)` with the
-- forms a GTIN may be stored in. This index serves that look-up. It is not
-- unique: barcodes are compared as 14-digit GTINs (gs1.barcode_key), which
-- this column, kept as entered, cannot enforce.
CREATE INDEX products_barcode ON products (barcode);
