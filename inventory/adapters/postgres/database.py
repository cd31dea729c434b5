"""A PostgreSQL database: its URL, its pool of connections and its schema migrations."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from inventory.adapters.postgres.errors import translated
from inventory.adapters.postgres.unit_of_work import PostgresUnitOfWork
from inventory.adapters.sql.migrations import available_migrations, check_before
from inventory.application.errors import ReadOnly, Unavailable

_PACKAGE = __name__.rpartition(".")[0]
_SCHEMES = ("postgresql://", "postgres://")

# Any constant will do, as long as nothing else in the database uses it: it
# names the lock that makes concurrent migrators take turns.
_MIGRATION_LOCK = 0x1A7E_5700_C0DE

_CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class PostgresOptions:
    """What the URL's own query options tune; the rest of the URL goes to libpq as it is."""

    pool_min_size: int = 1
    pool_max_size: int = 10
    """Connections per process; a sync gunicorn worker uses one, a job runner one per thread."""
    pool_timeout_ms: int = 5000
    """How long a unit of work waits for a free connection before answering 503."""
    statement_timeout_ms: int = 30_000
    """The longest one statement may run; 0 means no limit."""
    lock_timeout_ms: int = 5000
    """How long a write waits for a row lock before answering 503, like SQLite's busy timeout."""


_OPTION_NAMES = tuple(PostgresOptions.__dataclass_fields__)
_MAX_MS = 2_147_483_647
"""PostgreSQL's timeouts are 32-bit milliseconds; a larger one would fail every connection."""


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    conninfo: str
    """The URL without our options: what libpq is given."""
    options: PostgresOptions


def parse_url(url: str) -> PostgresUrl:
    """Split ``postgresql://...?pool_max_size=N&...`` into libpq's URL and our options.

    Raises ValueError, naming the problem, for a malformed URL or option.
    """
    if not url.startswith(_SCHEMES):
        raise ValueError(f"bad database URL {_redacted(url)!r}: expected postgresql://...")
    parts = urlsplit(url)
    # libpq reads "+" as a plus sign, where parse_qsl would read a space.
    query = parts.query.replace("+", "%2B")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ValueError(f"bad database URL {_redacted(url)!r}: cannot read its options") from None
    ours: dict[str, int] = {}
    theirs: list[tuple[str, str]] = []
    for key, value in pairs:
        if key not in _OPTION_NAMES:
            theirs.append((key, value))
            continue
        if key in ours:
            raise ValueError(f"bad database URL: {key!r} is given twice")
        if not (value.isascii() and value.isdigit()):
            raise ValueError(f"bad database URL: {key} must be a whole number, not {value!r}")
        ours[key] = int(value)
    options = PostgresOptions(**ours)
    for name in ("statement_timeout_ms", "lock_timeout_ms", "pool_timeout_ms"):
        if getattr(options, name) > _MAX_MS:
            raise ValueError(f"bad database URL: {name} must be at most {_MAX_MS}")
    if not 1 <= options.pool_max_size <= 1000:
        raise ValueError("bad database URL: pool_max_size must be between 1 and 1000")
    if options.pool_min_size > options.pool_max_size:
        raise ValueError("bad database URL: pool_min_size must not exceed pool_max_size")
    # libpq decodes %XX but not "+", so spaces must go back as %20. Built by hand:
    # urlunsplit would drop the "//" of a URL with no host (postgresql:///db).
    query = urlencode(theirs, quote_via=quote)
    conninfo = f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")
    try:
        conninfo_to_dict(conninfo)  # what libpq would refuse at every connection attempt
    except psycopg.ProgrammingError as exc:
        raise ValueError(f"bad database URL {_redacted(url)!r}: {str(exc).strip()}") from None
    return PostgresUrl(conninfo, options)


class PostgresDatabase:
    """One database (or one schema of it, via ``options=-csearch_path=...``), pooled per process.

    Make it after the process forks (each gunicorn worker bootstraps its own):
    a pool's connections and threads do not survive a fork.
    """

    def __init__(self, conninfo: str, options: PostgresOptions | None = None) -> None:
        self.options = options or PostgresOptions()
        self.server = server_name(conninfo)
        self._pool = ConnectionPool(
            conninfo,
            min_size=self.options.pool_min_size,
            max_size=self.options.pool_max_size,
            timeout=self.options.pool_timeout_ms / 1000,
            # UTF8 whatever the database's own encoding: on an SQL_ASCII
            # database psycopg would otherwise hand back bytes, not text.
            kwargs={"autocommit": True, "client_encoding": "UTF8"},
            configure=self._configure,
            name=_CONNECTION_ERRORS.new_name(),
            open=False,
        )
        # Opening does not wait for the first connection: a server that is down
        # at start-up makes units of work answer 503 until it is back.
        self._pool.open(wait=False)

    @classmethod
    def from_url(cls, url: str) -> PostgresDatabase:
        """Open ``postgresql://user@host:port/db[?pool_max_size=N&...&sslmode=...]``."""
        parsed = parse_url(url)
        return cls(parsed.conninfo, parsed.options)

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work; make one per use-case call."""
        return PostgresUnitOfWork(self.connection)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """A pooled connection for one unit of work; a broken one is not given back."""
        try:
            with self._pool.connection() as conn:
                _CONNECTION_ERRORS.forget(self._pool.name)
                yield conn
        except PoolTimeout as exc:
            failure = _CONNECTION_ERRORS.last(self._pool.name)
            if failure is not None:
                raise Unavailable(f"cannot reach the database {self.server}: {failure}") from exc
            waited = self.options.pool_timeout_ms / 1000
            raise Unavailable(
                f"no database connection within {waited:g} s: the server is unreachable"
                f" or all {self.options.pool_max_size} of this process's connections are busy"
            ) from exc

    def close(self) -> None:
        """Close every connection; later units of work are refused."""
        self._pool.close()
        _CONNECTION_ERRORS.forget(self._pool.name)

    def migrate(self) -> list[str]:
        """Apply every pending migration in order; the names applied, oldest first.

        Each migration runs in its own transaction with its row in
        ``schema_migrations``, after taking a transaction-scoped advisory lock
        and reading the applied versions again, so processes migrating at once
        apply each migration exactly once. One whose data is not fit for it
        (``check_before``) is refused, rolled back, before it runs.
        """
        if not self.pending_migrations():
            return []  # nothing to write: a read-only server (a standby) is fine
        applied: list[str] = []
        with translated(), self.connection() as conn:
            with conn.transaction():  # concurrent CREATE IF NOT EXISTS can clash: take turns
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(_CREATE_SCHEMA_MIGRATIONS)
            for version, name, sql in available_migrations(_PACKAGE):
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    if version in _applied_versions(conn):
                        continue
                    check_before(name, lambda query: conn.execute(query.encode()).fetchall())
                    conn.execute(sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                    # A migration is a write to every scope: it may change what any
                    # cached read holds (migration 0005 made the table).
                    conn.execute(_CHANGED_EVERYTHING)
                applied.append(name)
        return applied

    def pending_migrations(self) -> list[str]:
        """The names of the migrations not yet applied, oldest first."""
        with translated(), self.connection() as conn:
            exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
            done = _applied_versions(conn) if exists and exists[0] else set()
        return [name for version, name, _ in available_migrations(_PACKAGE) if version not in done]

    def check_writable(self) -> None:
        """Raise ReadOnly when the server refuses writes: a hot standby, or read-only by default."""
        with translated(), self.connection() as conn:
            row = conn.execute(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')"
            ).fetchone()
        if row is None:
            return
        standby, read_only = row
        if standby:
            raise ReadOnly("the server is a standby (in recovery): it takes no writes")
        if read_only == "on":
            raise ReadOnly(
                "the server's transactions are read-only (default_transaction_read_only)"
            )

    def _configure(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        # UTC, so times come back as UTC datetimes; timeouts so that a stuck
        # statement or a long-held row lock ends in a clear 503, not a hang.
        o = self.options
        conn.execute(
            f"SET TIME ZONE 'UTC'; SET statement_timeout = {int(o.statement_timeout_ms)};"
            f" SET lock_timeout = {int(o.lock_timeout_ms)}"
        )


_CHANGED_EVERYTHING = """\
DO $$ BEGIN
    IF to_regclass('cache_changes') IS NOT NULL THEN
        INSERT INTO cache_changes (scope, txid) VALUES ('*', pg_current_xact_id()::text::bigint)
        ON CONFLICT DO NOTHING;
    END IF;
END $$"""


class _ConnectionErrors(logging.Filter):
    """Keeps, per pool, the last error of its connection attempts, instead of logging each.

    psycopg_pool logs a warning (several lines) for every attempt it makes in
    the background while the server is down, retrying with backoff: a CLI
    run against a stopped server would print a screenful. The pool's owner
    reports the last error once, in the Unavailable a unit of work gets;
    a connection handed out clears it.
    """

    _CONNECT_FAILED = "error connecting in %r: %s"

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[str, str] = {}
        self._names = itertools.count(1)

    def new_name(self) -> str:
        return f"inventory-{next(self._names)}"

    def last(self, pool: str) -> str | None:
        return self._last.get(pool)

    def forget(self, pool: str) -> None:
        self._last.pop(pool, None)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == self._CONNECT_FAILED and isinstance(record.args, tuple):
            pool, error = record.args
            if isinstance(pool, str) and pool.startswith("inventory-"):
                self._last[pool] = _first_line(error)
                return False
        return True


def _first_line(error: object) -> str:
    text = str(error).strip()
    text = text.removeprefix("connection failed: ")
    return text.splitlines()[0] if text else type(error).__name__


_CONNECTION_ERRORS = _ConnectionErrors()
logging.getLogger("psycopg.pool").addFilter(_CONNECTION_ERRORS)


def server_name(conninfo: str) -> str:
    """Where ``conninfo`` leads, as ``postgresql://user@host:port/db``: never its password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "(unreadable connection string)"
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}{params.get('host') or ''}{port}/{params.get('dbname') or ''}"


def _applied_versions(conn: psycopg.Connection[tuple[object, ...]]) -> set[int]:
    return {int(str(row[0])) for row in conn.execute("SELECT version FROM schema_migrations")}


def _redacted(url: str) -> str:
    """``url`` without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
