-- Codes are unique ignoring case (SQLite migration 0007; API.md §1): `bolt-m8`
-- cannot be added while `BOLT-M8` exists, for skus and warehouse codes.
-- Look-ups stay exact (they use the primary keys); these indexes only refuse a
-- second spelling, and serve the application's look-up ignoring case.
--
-- Codes are ASCII (the sku rule), where lower() agrees with SQLite's and with
-- Python's str.lower(), which the application and the memory store use.
--
-- Rows that already collide would make the index fail: before this file runs,
-- the migrator looks for them (sql/migrations.py, check "codes_unique_ignoring_case")
-- and stops, naming them, with the database unchanged.

CREATE UNIQUE INDEX products_sku_ignoring_case ON products (lower(sku));
CREATE UNIQUE INDEX warehouses_code_ignoring_case ON warehouses (lower(code));
