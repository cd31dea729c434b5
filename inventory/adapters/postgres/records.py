"""API keys, Idempotency-Key records, jobs and runner heartbeats, and the outbox in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from psycopg import errors as pg

from inventory.adapters.postgres.rows import (
    CODEC,
    DIALECT,
    Transaction,
    api_key_from_row,
    api_key_row,
    stream_rows,
)
from inventory.adapters.sql.paging import Where, keyset
from inventory.adapters.sql.queries import update_job
from inventory.adapters.sql.schema import (
    API_KEY_COLUMNS,
    BY_CREATION,
    IDEMPOTENCY_COLUMNS,
    JOB_COLUMNS,
    OUTBOX_COLUMNS,
)
from inventory.application.idempotency_records import (
    IdempotencyRecord,
)
from inventory.application.outbox import OutboxMessage
from inventory.application.queries import JobFilter, PageSpec
from inventory.domain.errors import Conflict, NotFound
from inventory.domain.jobs import Job
from inventory.domain.keys import ApiKey

_UPDATE_JOB = update_job(DIALECT)


class PostgresApiKeyRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._lock = DIALECT.lock(tx.writing)

    def get(self, id: str) -> ApiKey | None:
        row = self._tx.execute(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE id = %s{self._lock}", (id,)
        ).fetchone()
        return None if row is None else api_key_from_row(row)

    def get_by_hash(self, secret_hash: str) -> ApiKey | None:
        # First in a read unit (authenticating a request): sent alone.
        row = self._tx.execute_alone(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE secret_hash = %s", (secret_hash,)
        ).fetchone()
        return None if row is None else api_key_from_row(row)

    def add(self, key: ApiKey) -> None:
        try:
            self._tx.execute(
                f"INSERT INTO api_keys ({API_KEY_COLUMNS}) VALUES ({DIALECT.marks(6)})",
                api_key_row(key),
            )
        except pg.UniqueViolation as exc:
            raise Conflict(f"API key {key.id!r} already exists") from exc

    def save(self, key: ApiKey) -> None:
        cursor = self._tx.execute(
            "UPDATE api_keys SET name = %s, role = %s, revoked_at = %s WHERE id = %s",
            (key.name, key.role.value, key.revoked_at, key.id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"API key {key.id!r} does not exist")

    def list_all(self) -> list[ApiKey]:
        rows = self._tx.execute(
            f"SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
        ).fetchall()
        return [api_key_from_row(row) for row in rows]


class PostgresIdempotencyRepository:
    """Idempotency-Key records, written in the transaction of the unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        read = (
            f"SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE owner = %s AND key = %s",
            (owner, key),
        )
        if self._tx.writing:
            # A claim reads, then writes: make claims of one (owner, key) take
            # turns, even while no row exists yet for a row lock to hold. The
            # read is a statement of its own, after the lock: in one round trip.
            lock = ("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{owner}\n{key}",))
            row = self._tx.execute_all([lock, read])[1].fetchone()
        else:
            row = self._tx.execute(*read).fetchone()
        return None if row is None else CODEC.idempotency_from_row(row)

    def put(self, record: IdempotencyRecord) -> None:
        # Sent with the next statement (the COMMIT, most often): it returns nothing.
        self._tx.defer(
            f"INSERT INTO idempotency_keys ({IDEMPOTENCY_COLUMNS}) VALUES ({DIALECT.marks(9)})"
            " ON CONFLICT (owner, key) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, progress = excluded.progress,"
            " status = excluded.status, headers = excluded.headers, body = excluded.body,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            CODEC.idempotency_row(record),
        )

    def delete(self, owner: str, key: str) -> None:
        self._tx.defer("DELETE FROM idempotency_keys WHERE owner = %s AND key = %s", (owner, key))

    def delete_expired(self, now: datetime) -> int:
        cursor = self._tx.execute("DELETE FROM idempotency_keys WHERE expires_at <= %s", (now,))
        return cursor.rowcount


class PostgresJobRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, job: Job) -> None:
        try:
            self._tx.execute(
                f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({DIALECT.marks(14)})", CODEC.job_row(job)
            )
        except pg.UniqueViolation as exc:
            raise Conflict(f"job {job.id!r} already exists") from exc

    def get(self, id: str) -> Job | None:
        lock = DIALECT.lock(self._tx.writing)
        row = self._tx.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s{lock}", (id,)
        ).fetchone()
        return None if row is None else CODEC.job_from_row(row)

    def save(self, job: Job) -> None:
        cursor = self._tx.execute(_UPDATE_JOB, CODEC.job_update(job))
        if cursor.rowcount == 0:
            raise NotFound(f"job {job.id!r} does not exist")

    def next_due(self, now: datetime) -> Job | None:
        # SKIP LOCKED: a job another runner is claiming right now is passed
        # over rather than waited for, so runners never queue behind each other.
        lock = f"{DIALECT.lock(True)} SKIP LOCKED" if self._tx.writing else ""
        found = []
        for condition, order in (
            ("status = 'queued' AND run_at <= %s", "run_at, id"),
            ("status = 'running' AND lease_until <= %s", "lease_until, id"),
        ):
            row = self._tx.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE {condition} ORDER BY {order} LIMIT 1{lock}",
                (now,),
            ).fetchone()
            if row is not None:
                found.append(CODEC.job_from_row(row))
        return min(found, key=lambda job: job.due_at, default=None)

    def fetch_page(self, filter: JobFilter, page: PageSpec) -> list[Job]:
        where = Where(DIALECT)
        where.equal("kind", filter.kind and filter.kind.value)
        where.equal("status", filter.status and filter.status.value)
        ks = keyset(page, BY_CREATION, DIALECT)
        where.after(ks)
        rows = self._tx.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs{where.clause} {ks.order_by} LIMIT %s",
            [*where.params, ks.limit],
        ).fetchall()
        return [CODEC.job_from_row(row) for row in rows]

    # Heartbeats are bookkeeping that no cached read holds: no trigger counts them.

    def beat(self, runner: str, at: datetime) -> None:
        self._tx.execute(
            "INSERT INTO runner_heartbeats (runner, beat_at) VALUES (%s, %s)"
            " ON CONFLICT (runner) DO UPDATE SET beat_at = excluded.beat_at",
            (runner, at),
        )

    def forget_runner(self, runner: str) -> None:
        self._tx.execute("DELETE FROM runner_heartbeats WHERE runner = %s", (runner,))

    def forget_silent_runners(self, before: datetime) -> int:
        cursor = self._tx.execute("DELETE FROM runner_heartbeats WHERE beat_at < %s", (before,))
        return cursor.rowcount

    def latest_beat(self) -> datetime | None:
        row = self._tx.execute("SELECT max(beat_at) FROM runner_heartbeats").fetchone()
        return None if row is None else CODEC.time_or_none_in(row[0])


class PostgresOutboxRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, message: OutboxMessage) -> None:
        m = message
        try:
            self._tx.execute(
                f"INSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES ({DIALECT.marks(6)})",
                (m.id, m.created_at, m.recipient, m.subject, m.body, m.reason),
            )
        except pg.UniqueViolation as exc:
            raise Conflict(f"outbox message {m.id!r} already exists") from exc

    def stream(self) -> Iterator[OutboxMessage]:
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY created_at, id"
        for id, created_at, recipient, subject, body, reason in stream_rows(self._tx, sql):
            yield OutboxMessage(id, created_at, recipient, subject, body, reason)
