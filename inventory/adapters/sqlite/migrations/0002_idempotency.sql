-- Idempotency-Key records.
--
-- A client's Idempotency-Key record is stored with the data rather than in a
-- server process's memory, so every server process sees the same record, and
-- marking it applied happens in the same transaction as the write it guards: a
-- crash can never keep the write but lose the mark, or keep the mark but lose
-- the write.
--
-- `owner` is the API key id; a key is only unique per owner. `headers` is a JSON
-- array of [name, value] pairs, so their order and any repeated name survive.
-- The response columns are all set once the response is stored, or none is.
-- A rowid table rather than WITHOUT ROWID: rows carry whole response bodies,
-- which WITHOUT ROWID tables store poorly.
CREATE TABLE idempotency_keys (
    owner       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    progress    TEXT NOT NULL CHECK (progress IN ('in_flight', 'applied', 'done')),
    status      INTEGER,
    headers     TEXT,
    body        BLOB,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (owner, key),
    CONSTRAINT response_is_whole_or_absent CHECK (
        (status IS NULL AND headers IS NULL AND body IS NULL)
        OR (status IS NOT NULL AND headers IS NOT NULL AND body IS NOT NULL)
    )
);

-- The expiry sweep deletes by deadline without scanning every record.
CREATE INDEX idempotency_keys_by_expires_at ON idempotency_keys (expires_at);
