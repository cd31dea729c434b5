-- Finding products by pack barcode stays fast while products are being written
-- (docs/adr/0021-units-and-packs.md). With GIN's fast update (the default),
-- new rows' entries wait in a pending list that every search reads whole
-- until a vacuum merges it: 8,000 pack-barcode lookups took 3.3 s after
-- 10,000 products were added, and 37 ms with the list merged. An import
-- checks each batch's barcodes after adding the batch before. Without fast
-- update each insert updates the index itself, which cost no more here for
-- products without packs (most of an import's).
ALTER INDEX products_pack_barcodes SET (fastupdate = off);
SELECT gin_clean_pending_list('products_pack_barcodes'::regclass);
