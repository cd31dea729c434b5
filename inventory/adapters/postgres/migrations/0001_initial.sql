-- The whole schema as of SQLite migration 0005, in PostgreSQL's own types:
-- times are timestamptz, money is numeric with four places, flags are boolean.
-- Text that is sorted or compared for paging uses the "C" collation, so that
-- order is byte order, as in SQLite and in Python.

CREATE TABLE products (
    sku              text COLLATE "C" PRIMARY KEY,
    name             text COLLATE "C" NOT NULL,
    description      text NOT NULL DEFAULT '',
    category         text COLLATE "C" NOT NULL DEFAULT '',
    unit             text NOT NULL DEFAULT 'each',
    barcode          text,
    reorder_point    bigint NOT NULL CHECK (reorder_point >= 0),
    reorder_quantity bigint NOT NULL CHECK (reorder_quantity >= 0),
    average_cost     numeric NOT NULL CHECK (average_cost >= 0 AND scale(average_cost) <= 4),
    archived         boolean NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint NOT NULL,
    -- `name` case-folded as Python's str.casefold does, for the `q` search.
    name_folded      text NOT NULL
);

CREATE INDEX products_by_category ON products (category, sku);
CREATE INDEX products_by_name ON products (name, sku);
CREATE INDEX products_by_created_at ON products (created_at, sku);
CREATE INDEX products_by_updated_at ON products (updated_at, sku);
CREATE INDEX products_active_by_sku ON products (sku) WHERE NOT archived;
CREATE INDEX products_active_by_name ON products (name, sku) WHERE NOT archived;

CREATE TABLE warehouses (
    code       text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE stock_levels (
    sku       text COLLATE "C" NOT NULL REFERENCES products (sku),
    warehouse text COLLATE "C" NOT NULL REFERENCES warehouses (code),
    on_hand   bigint NOT NULL,
    reserved  bigint NOT NULL,
    PRIMARY KEY (sku, warehouse),
    CONSTRAINT on_hand_not_negative CHECK (on_hand >= 0),
    CONSTRAINT reserved_not_negative CHECK (reserved >= 0),
    CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
);

CREATE INDEX stock_levels_by_warehouse ON stock_levels (warehouse, sku);

CREATE TABLE movements (
    id           text COLLATE "C" PRIMARY KEY,
    type         text NOT NULL
                 CHECK (type IN ('receipt', 'issue', 'transfer', 'adjustment')),
    sku          text COLLATE "C" NOT NULL REFERENCES products (sku),
    warehouse    text COLLATE "C" NOT NULL REFERENCES warehouses (code),
    to_warehouse text COLLATE "C" REFERENCES warehouses (code),
    quantity     bigint NOT NULL,
    unit_cost    numeric CHECK (unit_cost >= 0 AND scale(unit_cost) <= 4),
    reason       text CHECK (reason IN ('count', 'damage', 'loss', 'found', 'correction')),
    reference    text COLLATE "C",
    note         text,
    created_at   timestamptz NOT NULL,
    created_by   text NOT NULL,
    CONSTRAINT receipt_has_cost_and_quantity
        CHECK (type <> 'receipt' OR (unit_cost IS NOT NULL AND quantity > 0)),
    CONSTRAINT issue_or_transfer_has_quantity
        CHECK (type NOT IN ('issue', 'transfer') OR quantity > 0),
    CONSTRAINT transfer_moves_between_two_warehouses
        CHECK (type <> 'transfer' OR (to_warehouse IS NOT NULL AND to_warehouse <> warehouse)),
    CONSTRAINT only_transfers_have_destination
        CHECK (type = 'transfer' OR to_warehouse IS NULL),
    CONSTRAINT adjustment_has_reason
        CHECK (type <> 'adjustment' OR reason IS NOT NULL)
);

CREATE FUNCTION movements_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'movements are append-only';
END;
$$;

CREATE TRIGGER movements_refuse_change BEFORE UPDATE OR DELETE ON movements
    FOR EACH ROW EXECUTE FUNCTION movements_are_append_only();
CREATE TRIGGER movements_refuse_truncate BEFORE TRUNCATE ON movements
    FOR EACH STATEMENT EXECUTE FUNCTION movements_are_append_only();

CREATE INDEX movements_by_created_at ON movements (created_at, id);
CREATE INDEX movements_by_sku ON movements (sku, created_at, id);
CREATE INDEX movements_by_warehouse ON movements (warehouse, created_at, id);
CREATE INDEX movements_by_to_warehouse ON movements (to_warehouse, created_at, id)
    WHERE to_warehouse IS NOT NULL;
CREATE INDEX movements_by_reference ON movements (reference, created_at, id)
    WHERE reference IS NOT NULL;
CREATE INDEX movements_by_type ON movements (type, created_at, id);

CREATE TABLE orders (
    id         text COLLATE "C" PRIMARY KEY,
    reference  text COLLATE "C" NOT NULL UNIQUE,
    warehouse  text COLLATE "C" NOT NULL REFERENCES warehouses (code),
    status     text NOT NULL CHECK (status IN ('reserved', 'shipped', 'cancelled', 'expired')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    expires_at timestamptz
);

CREATE INDEX orders_by_created_at ON orders (created_at, id);
CREATE INDEX orders_by_status ON orders (status, created_at, id);
CREATE INDEX orders_by_warehouse ON orders (warehouse, created_at, id);
CREATE INDEX orders_expiring ON orders (expires_at, id)
    WHERE status = 'reserved' AND expires_at IS NOT NULL;

CREATE TABLE order_lines (
    order_id text COLLATE "C" NOT NULL REFERENCES orders (id),
    line_no  integer NOT NULL,
    sku      text COLLATE "C" NOT NULL REFERENCES products (sku),
    quantity bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE api_keys (
    id          text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('viewer', 'clerk', 'admin')),
    secret_hash text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE INDEX api_keys_by_created_at ON api_keys (created_at, id);

CREATE TABLE idempotency_keys (
    owner       text NOT NULL,
    key         text NOT NULL,
    fingerprint text NOT NULL,
    progress    text NOT NULL CHECK (progress IN ('in_flight', 'applied', 'done')),
    status      integer,
    headers     jsonb,
    body        bytea,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (owner, key),
    CONSTRAINT response_is_whole_or_absent CHECK (
        (status IS NULL AND headers IS NULL AND body IS NULL)
        OR (status IS NOT NULL AND headers IS NOT NULL AND body IS NOT NULL)
    )
);

CREATE INDEX idempotency_keys_by_expires_at ON idempotency_keys (expires_at);

CREATE TABLE jobs (
    id           text COLLATE "C" PRIMARY KEY,
    kind         text COLLATE "C" NOT NULL CHECK (kind IN ('report', 'low_stock_alert')),
    params       jsonb NOT NULL,
    status       text COLLATE "C" NOT NULL
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts     integer NOT NULL CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    created_at   timestamptz NOT NULL,
    run_at       timestamptz NOT NULL,
    started_at   timestamptz,
    finished_at  timestamptz,
    error        text,
    result       text,
    runner       text,
    lease_until  timestamptz,
    CHECK ((status = 'running') = (lease_until IS NOT NULL))
);

CREATE INDEX jobs_queued_by_run_at ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (lease_until, id) WHERE status = 'running';
CREATE INDEX jobs_by_created_at ON jobs (created_at, id);
CREATE INDEX jobs_by_kind ON jobs (kind, created_at, id);
CREATE INDEX jobs_by_status ON jobs (status, created_at, id);

-- Raised in the same transaction as every write: see UnitOfWork.generation.
-- It starts at a random value, so that a recreated database never reuses the
-- generations (and so the cache entries) of the one it replaced.
CREATE TABLE cache_generation (
    id         integer PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL
);

INSERT INTO cache_generation (id, generation) VALUES (1, floor(random() * 281474976710655)::bigint);

CREATE TABLE outbox (
    id         text COLLATE "C" PRIMARY KEY,
    created_at timestamptz NOT NULL,
    recipient  text,
    subject    text NOT NULL,
    body       text NOT NULL,
    reason     text NOT NULL
);

CREATE INDEX outbox_by_created_at ON outbox (created_at, id);
