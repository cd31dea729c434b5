-- The outbox: messages kept instead of sent.
--
-- A low-stock alert is e-mailed through INVENTORY_SMTP_URL to
-- INVENTORY_ALERT_EMAIL; when either is unset, the alert is logged and kept
-- here, so nothing is lost and an operator can read what would have been sent.
-- `recipient` is NULL when no address was configured; `reason` names the
-- missing setting.

CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    recipient  TEXT,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    reason     TEXT NOT NULL
);

-- Reading the outbox oldest first.
CREATE INDEX outbox_by_created_at ON outbox (created_at, id);
