-- The durable job queue. Jobs live in the same database as the data, so a job
-- is queued in the very transaction of the change that causes it: a rolled-back
-- change queues nothing, a committed one never loses its job.
--
-- A runner claims a job inside a write transaction (BEGIN IMMEDIATE takes the
-- write lock first), so two runners can never start the same job. A running
-- job carries a lease; a runner that dies stops renewing it, and the job is
-- due again once `lease_until` has passed.

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('report', 'low_stock_alert')),
    params       TEXT NOT NULL,  -- JSON object
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    created_at   TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    error        TEXT,
    result       TEXT,
    runner       TEXT,
    lease_until  TEXT,
    CHECK ((status = 'running') = (lease_until IS NOT NULL))
);

-- What a runner polls for: queued jobs by run_at, and running ones by lease end.
CREATE INDEX jobs_queued_by_run_at ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (lease_until, id) WHERE status = 'running';
-- GET /api/v1/jobs: newest first or oldest first, optionally by kind or status.
CREATE INDEX jobs_by_created_at ON jobs (created_at, id);
CREATE INDEX jobs_by_kind ON jobs (kind, created_at, id);
CREATE INDEX jobs_by_status ON jobs (status, created_at, id);

-- Reservations with a deadline, for the runner's periodic expiry sweep.
CREATE INDEX orders_expiring ON orders (expires_at, id)
    WHERE status = 'reserved' AND expires_at IS NOT NULL;
