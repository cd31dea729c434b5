"""Where PostgreSQL's time goes during a benchmark: wait events, lock waits, statement times.

Samples ``pg_stat_activity`` and ``pg_locks`` for the connections named by one
``application_name`` from a side thread, and diffs ``pg_stat_statements`` around each
measure when the extension can be used (bench/write_path.py ``--pg-profile``).
"""

from __future__ import annotations

import threading
from collections import Counter

SAMPLE_EVERY = 0.1
"""Seconds between two samples of pg_stat_activity and pg_locks."""


class PgProfile:
    """Samples the bench's backends (by ``application_name``) in pg_stat_activity and pg_locks
    from a side thread, and diffs pg_stat_statements around each measure when it can."""

    ACTIVITY = (
        "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity"
        " WHERE application_name = %s AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    LOCKS = (
        "SELECT l.locktype || ' ' || l.mode || coalesce(' on ' || l.relation::regclass::text, '')"
        " FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
        " WHERE NOT l.granted AND a.application_name = %s"
    )

    def __init__(self, url: str, application: str) -> None:
        import psycopg

        self.application = application
        self.conn = psycopg.connect(url, autocommit=True)
        self.statements: str | None = None
        self.created = False
        self.note = self._open_statements()
        self.label = ""
        self.samples: dict[str, Counter[str]] = {}
        self.locks: dict[str, Counter[str]] = {}
        self.ticks: Counter[str] = Counter()
        self.timings: dict[str, list[tuple[float, int, float, str]]] = {}
        self._before: dict[int, tuple[int, float, float, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._sampler = psycopg.connect(url, autocommit=True)
        self._thread.start()

    def _open_statements(self) -> str:
        import psycopg

        try:
            found = self.conn.execute(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                " WHERE e.extname = 'pg_stat_statements'"
            ).fetchone()
            if found is None:
                self.conn.execute("CREATE EXTENSION pg_stat_statements SCHEMA " + self._schema())
                self.created = True
                found = (self._schema(),)
            self.statements = f"{found[0]}.pg_stat_statements"
            self.conn.execute(f"SELECT 1 FROM {self.statements} LIMIT 1")
        except psycopg.Error as exc:
            self.statements = None
            return f"pg_stat_statements unavailable ({str(exc).strip()}); sampling only"
        return f"pg_stat_statements: {self.statements}"

    def _schema(self) -> str:
        row = self.conn.execute("SELECT current_schema()").fetchone()
        assert row is not None
        return str(row[0])

    def _snapshot(self) -> dict[int, tuple[int, float, float, str]]:
        if self.statements is None:
            return {}
        rows = self.conn.execute(
            f"SELECT queryid, calls, total_exec_time, rows, query FROM {self.statements}"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows if row[0] is not None}

    def begin(self, label: str) -> None:
        self._before = self._snapshot()
        self.label = label

    def end(self) -> None:
        label, self.label = self.label, ""
        after = self._snapshot()
        timings = []
        for queryid, (calls, total, rows, query) in after.items():
            was = self._before.get(queryid, (0, 0.0, 0.0, ""))
            if calls > was[0]:
                timings.append((total - was[1], calls - was[0], rows - was[2], query))
        self.timings[label] = sorted(timings, reverse=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            label = self.label
            if not label:
                continue
            try:
                activity = self._sampler.execute(self.ACTIVITY, (self.application,)).fetchall()
                locks = self._sampler.execute(self.LOCKS, (self.application,)).fetchall()
            except Exception as exc:  # a sample lost is reported, the run goes on
                self.samples.setdefault(label, Counter())[f"sample failed: {exc}"] += 1
                continue
            self.ticks[label] += 1
            self.samples.setdefault(label, Counter()).update(f"{s}: {w}" for s, w in activity)
            self.locks.setdefault(label, Counter()).update(row[0] for row in locks)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sampler.close()
        if self.created:
            self.conn.execute("DROP EXTENSION pg_stat_statements")
        self.conn.close()

    def report(self) -> None:
        print(f"\nPostgreSQL profile ({self.note}); backends named {self.application}")
        for label, ticks in self.ticks.items():
            print(
                f"  {label}: {ticks} samples every {SAMPLE_EVERY * 1000:.0f} ms;"
                " mean backends per sample by state: wait event"
            )
            for what, n in self.samples.get(label, Counter()).most_common(6):
                print(f"    {n / ticks:6.2f}  {what}")
            for what, n in self.locks.get(label, Counter()).most_common(4):
                print(f"    {n / ticks:6.2f}  waiting for {what}")
            for total, calls, rows, query in self.timings.get(label, [])[:8]:
                text = " ".join(query.split())[:110]
                print(
                    f"    {total:9.1f} ms {calls:7d} calls {total / calls:7.3f} ms/call"
                    f" {rows / calls:5.1f} rows  {text}"
                )
