-- Job runner heartbeats (SQLite migration 0006): one row per running job
-- runner, with its latest beat.
--
-- Each runner (`host:pid`) writes its row when it starts and every few seconds
-- after, from a thread of its own, and removes it when it stops cleanly; so
-- `/ready` of any instance can tell whether a runner is alive anywhere in the
-- deployment. The rows of runners that died are removed once a day old.
--
-- Heartbeats are bookkeeping, not data: no cached read holds them, so a unit
-- of work that writes only heartbeats leaves cache_generation alone.

CREATE TABLE runner_heartbeats (
    runner  text COLLATE "C" PRIMARY KEY,
    beat_at timestamptz NOT NULL
);

-- The latest beat (max), and the removal of day-old rows.
CREATE INDEX runner_heartbeats_by_beat_at ON runner_heartbeats (beat_at);
