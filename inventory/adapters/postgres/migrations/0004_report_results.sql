-- Reports made by report jobs, kept with the data for download from any
-- instance (SQLite migration 0008).
--
-- A report is written in chunks as it is generated, each chunk in a short
-- transaction of its own, then marked complete (size and chunks set); it is
-- read back chunk by chunk. Whichever process runs the job and whichever
-- serves the download, both reach the database: no shared directory needed.
-- The job runners remove reports some days old, finished or not.
--
-- Bookkeeping, not data: no cached read holds them, so writing them leaves
-- cache_generation alone. `inventory copy` does not copy them.

CREATE TABLE report_results (
    id           text COLLATE "C" PRIMARY KEY,
    job_id       text COLLATE "C" NOT NULL,
    content_type text NOT NULL,
    filename     text NOT NULL,
    created_at   timestamptz NOT NULL,
    size         bigint,                    -- NULL until the report is complete
    chunks       integer NOT NULL DEFAULT 0
);

-- The removal of old reports.
CREATE INDEX report_results_by_created_at ON report_results (created_at);

CREATE TABLE report_chunks (
    result_id text COLLATE "C" NOT NULL,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (result_id, seq)
);
