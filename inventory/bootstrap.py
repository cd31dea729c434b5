"""The composition root: settings -> adapters -> the services entrypoints use.

The only module that imports concrete adapters; those of PostgreSQL, Redis and
the file cache only when the settings name them (docs/adr/0018-a-lean-read-path.md).
Each process (a CLI run, a server worker) calls :func:`bootstrap` once.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from inventory.adapters.cache.memory import MemoryCache
from inventory.adapters.clock import clock_in, utc_now
from inventory.adapters.ids import new_id, new_secret
from inventory.adapters.jobs.runner import JobRunner, Periodic
from inventory.adapters.memory import MemoryStorage
from inventory.adapters.metrics import DIRECTORY_VARIABLE, NoMetrics, clear_own_files, open_metrics
from inventory.adapters.notify import OutboxNotifier, SmtpNotifier
from inventory.adapters.rate_limits.host import HostRateLimiter
from inventory.adapters.rate_limits.memory import MemoryRateLimiter
from inventory.adapters.sqlite.database import SqliteDatabase
from inventory.application.alerts import AlertPolicy, send_low_stock_alert
from inventory.application.caching import ReadThrough
from inventory.application.errors import ReadOnly
from inventory.application.expiry_alerts import (
    EXPIRY_ALERT_SWEEP_SECONDS,
    queue_expiry_alerts,
    send_expiry_alert,
)
from inventory.application.jobs import JobHandlers, runner_heartbeat
from inventory.application.orders import expire_orders
from inventory.application.ports import (
    Cache,
    Clock,
    IdGenerator,
    Metrics,
    Notifier,
    RateLimiter,
    SecretGenerator,
    Storage,
    UnitOfWork,
)
from inventory.application.rate_limits import Rate
from inventory.application.report_results import SWEEP_SECONDS as REPORT_SWEEP_SECONDS
from inventory.application.report_results import forget_old_reports
from inventory.application.reports import produce_report
from inventory.config import ConfigError, Settings
from inventory.domain.errors import DomainError
from inventory.domain.jobs import JobKind

EXPIRY_SWEEP_SECONDS = 20.0
"""How often each runner releases lapsed reservations (API.md: within a minute)."""


@dataclass(frozen=True)
class Services:
    """Everything a use-case call needs, wired once per process."""

    settings: Settings
    storage: Storage
    clock: Clock
    new_id: IdGenerator
    new_secret: SecretGenerator
    rate_limiter: RateLimiter | None = None
    """Counts API requests per key (``INVENTORY_RATE_LIMIT``); None when ``off``."""
    cache: Cache | None = None
    """Keeps the answers of hot reads (``INVENTORY_CACHE``); None when ``off``."""
    metrics: Metrics = field(default_factory=NoMetrics)
    """What ``/metrics`` shows; the long-running processes set it (``open_metrics``)."""
    probes: Mapping[str, Callable[[], str]] = field(default_factory=dict)
    """Checks ``/ready`` runs besides the storage's, by name: "ok" or what is wrong."""

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for one use-case call."""
        return self.storage.unit_of_work()

    def reads(self) -> ReadThrough:
        """Cached reads for one request: make one per request, never share it."""
        return ReadThrough(self.cache, self.settings.cache_ttl, self.metrics.cache_lookup)

    def readiness(self) -> dict[str, str]:
        """Each check ``/ready`` makes, by name: ``"ok"`` or what is wrong."""
        try:
            pending = self.storage.pending_migrations()
            if not pending:
                self.storage.check_writable()
            storage = f"{len(pending)} migrations pending" if pending else "ok"
        except ReadOnly as exc:
            storage = f"not writable: {exc.detail}"
        except DomainError as exc:
            storage = f"unreachable: {exc.detail}"
        return {"storage": storage, **{name: probe() for name, probe in self.probes.items()}}

    @property
    def alerts(self) -> AlertPolicy:
        """How use cases queue alert jobs (``INVENTORY_JOB_MAX_ATTEMPTS``), and when a lot's
        expiry alert is due (``INVENTORY_EXPIRY_WARNING_DAYS``)."""
        return AlertPolicy(
            max_attempts=self.settings.job_max_attempts,
            expiry_warning_days=self.settings.expiry_warning_days,
        )

    def notifier(self) -> Notifier:
        """Where alerts go: the SMTP server, or the outbox while mail is not configured."""
        settings = self.settings
        if settings.smtp_url is None or settings.alert_email is None:
            unset = "SMTP_URL" if settings.smtp_url is None else "ALERT_EMAIL"
            reason = f"INVENTORY_{unset} is not set"
            return OutboxNotifier(self.uow, self.clock, self.new_id, reason)
        try:
            return SmtpNotifier(settings.smtp_url, settings.smtp_from)
        except ValueError as exc:
            raise ConfigError(f"INVENTORY_SMTP_URL: {exc}") from None

    def job_runner(self, threads: int = 2, poll_seconds: float = 1.0) -> JobRunner:
        """A runner for every kind of job, with the periodic reservation expiry and the
        daily look for lots to alert of (at start too)."""
        notifier = self.notifier()
        max_bytes = self.settings.report_max_bytes
        warning_days = self.settings.expiry_warning_days
        if self.settings.reports_dir is not None:
            logging.getLogger("inventory.jobs").warning(
                "INVENTORY_REPORTS_DIR is no longer used and can be removed:"
                " reports are kept in the database, where every instance finds them"
            )
        # No address configured: the outbox keeps the alert without one.
        recipient = self.settings.alert_email or ""
        handlers: JobHandlers = {
            JobKind.REPORT: lambda job: produce_report(
                job, self.uow, self.clock, self.new_id, max_bytes, warning_days
            ),
            JobKind.LOW_STOCK_ALERT: lambda job: send_low_stock_alert(job, notifier, recipient),
            JobKind.EXPIRY_ALERT: lambda job: send_expiry_alert(job, notifier, recipient),
        }
        expiry = Periodic("expire-reservations", EXPIRY_SWEEP_SECONDS, self._expire_orders)
        old_reports = Periodic("forget-old-reports", REPORT_SWEEP_SECONDS, self._forget_reports)
        expiring_lots = Periodic(
            "expiry-alerts", EXPIRY_ALERT_SWEEP_SECONDS, self._queue_expiry_alerts, at_start=True
        )
        return JobRunner(
            self.uow,
            self.clock,
            handlers,
            threads=threads,
            poll_seconds=poll_seconds,
            periodic=[expiry, old_reports, expiring_lots],
            record=self.metrics.job_finished,
        )

    def _expire_orders(self) -> int:
        return expire_orders(self.uow, self.clock)

    def _forget_reports(self) -> int:
        return forget_old_reports(self.uow, self.clock)

    def _queue_expiry_alerts(self) -> int:
        return queue_expiry_alerts(self.uow, self.clock, self.new_id, self.alerts)

    def close(self) -> None:
        self.storage.close()


def open_storage(url: str) -> Storage:
    """The storage adapter the database URL names."""
    if url.startswith("memory://"):
        return MemoryStorage()
    if url.startswith("sqlite:///"):
        try:
            database = SqliteDatabase.from_url(url)
        except ValueError as exc:
            raise ConfigError(f"INVENTORY_DATABASE_URL: {exc}") from None
        # The file is made on first use, never its directory: a mistyped path is a
        # bad setting, not an empty inventory somewhere else.
        if not database.path.parent.is_dir():
            raise ConfigError(
                f"INVENTORY_DATABASE_URL: no directory {str(database.path.parent)!r}"
                " for the database file; create it, or fix the path"
            )
        return database
    from inventory.adapters.postgres import PostgresDatabase  # psycopg: only when named

    try:
        return PostgresDatabase.from_url(url)
    except ValueError as exc:
        raise ConfigError(f"INVENTORY_DATABASE_URL: {exc}") from None


def open_rate_limiter(settings: Settings, storage: Storage) -> RateLimiter | None:
    """The rate limiter ``INVENTORY_RATE_LIMIT`` asks for, shared by every process it can reach.

    With ``INVENTORY_REDIS_URL`` set, the counts are in that Redis, so every
    process on every host counts together. Otherwise they are shared by this
    host's processes, in a file that sits next to a SQLite database
    (``<db path>.ratelimit``), so that every server on that database counts
    together; for another database it is in the temporary directory, named by
    a hash of the database URL.
    """
    rate = Rate.parse(settings.rate_limit)
    if rate is None:
        return None
    if settings.redis_url is not None:
        from inventory.adapters.rate_limits.redis import RedisRateLimiter

        try:
            return RedisRateLimiter(rate, settings.redis_url)
        except ValueError as exc:
            raise ConfigError(f"INVENTORY_REDIS_URL: {exc}") from None
    if settings.database_url.startswith("memory://"):  # one process holds it all
        return MemoryRateLimiter(rate)
    if isinstance(storage, SqliteDatabase):
        return HostRateLimiter(rate, f"{storage.path}.ratelimit")
    digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    return HostRateLimiter(rate, Path(tempfile.gettempdir()) / f"inventory-{digest}.ratelimit")


def open_cache(settings: Settings) -> Cache | None:
    """The cache ``INVENTORY_CACHE`` asks for: None when ``off`` or ``INVENTORY_CACHE_TTL=0``.

    ``redis://...`` is a cache in that Redis. When ``INVENTORY_CACHE`` is not
    set at all but ``INVENTORY_REDIS_URL`` is, the cache is in that Redis
    too: every process on every host then shares its entries. A cache set
    explicitly (``memory``, ``file:``, ``off``) wins over the Redis URL.
    Sharing is for the hit rate only: coherence comes from the data versions
    in the database, so a cache per process would just miss more often.
    """
    if settings.cache == "off" or settings.cache_ttl == 0:
        return None
    if settings.cache.startswith(("redis://", "rediss://")):
        return _redis_cache("INVENTORY_CACHE", settings.cache, settings.cache_ttl)
    if settings.redis_url is not None and "cache" not in settings.model_fields_set:
        return _redis_cache("INVENTORY_REDIS_URL", settings.redis_url, settings.cache_ttl)
    if settings.cache.startswith("file:"):
        from inventory.adapters.cache.file import FileCache

        directory = settings.cache.removeprefix("file:")
        if not directory:
            raise ConfigError("INVENTORY_CACHE: file: needs a directory, e.g. file:/var/cache/inv")
        try:
            return FileCache(directory)
        except OSError as exc:
            raise ConfigError(
                f"INVENTORY_CACHE: cannot keep a cache in {directory!r}: {exc.strerror or exc}"
            ) from None
    return MemoryCache()


def _redis_cache(variable: str, url: str, ttl: float) -> Cache:
    """Redis, behind a copy in this process's memory of the entries it has used."""
    from inventory.adapters.cache.redis import RedisCache
    from inventory.adapters.cache.tiered import TieredCache

    try:
        return TieredCache(MemoryCache(), RedisCache(url), near_ttl=ttl)
    except ValueError as exc:
        raise ConfigError(f"{variable}: {exc}") from None


def bootstrap(settings: Settings, migrate: bool = True) -> Services:
    """Wire the adapters the settings choose; migrate the schema first unless told not to."""
    cache = open_cache(settings)  # a bad setting stops start-up before the schema is touched

    storage = open_storage(settings.database_url)
    if migrate:
        storage.migrate()
    limiter = open_rate_limiter(settings, storage)
    return Services(
        settings,
        storage,
        clock_in(settings.timezone),
        new_id,
        new_secret,
        limiter,
        cache=cache,
        probes=probes(settings, storage),
    )


def probes(settings: Settings, storage: Storage) -> dict[str, Callable[[], str]]:
    """What ``/ready`` checks besides the storage: a job runner's heartbeat, each Redis.

    The heartbeat is in the storage every process of the deployment shares, so
    any instance knows whether a runner is alive anywhere (``inventory serve``
    runs one unless ``--no-jobs``; ``inventory worker`` is one). ``memory://``
    is shared by no other process: there is nothing to check.
    """
    found: dict[str, Callable[[], str]] = {}
    if not settings.database_url.startswith("memory://"):
        found["jobs"] = functools.partial(_heartbeat, storage)
    if settings.redis_url is not None:
        found["redis"] = _redis_probe(settings.redis_url)
    cache = settings.cache
    if cache.startswith(("redis://", "rediss://")) and cache != settings.redis_url:
        found["cache"] = _redis_probe(cache)
    return found


def _redis_probe(url: str) -> Callable[[], str]:
    from inventory.adapters.redis_client import Probe  # redis-py: only when a URL names it

    return Probe(url)


def _heartbeat(storage: Storage) -> str:
    try:
        return runner_heartbeat(storage.unit_of_work(), utc_now)
    except DomainError as exc:
        return f"unknown: {exc.detail}"


def counting(services: Services) -> Services:
    """``services`` with metrics a scrape sees: for the server's workers and the job runners."""
    return dataclasses.replace(services, metrics=open_metrics())


@contextmanager
def shared_metrics() -> Iterator[str]:
    """The directory where a server's processes (and its job runner) keep their metrics.

    ``PROMETHEUS_MULTIPROC_DIR`` when set (a volume shared with a separate
    worker container, say): this host's files of an earlier run are deleted
    first, so figures start again from zero as for any restarted process.
    Otherwise a new temporary directory, deleted when the server stops. The
    variable is set for the processes started from here on, which inherit it.
    """
    given = os.environ.get(DIRECTORY_VARIABLE)
    if given:
        os.makedirs(given, exist_ok=True)
        removed = clear_own_files(given)
        logging.getLogger("inventory.server").info(
            "metrics in %s (%d old files of this host removed)", given, removed
        )
        yield given
        return
    made = tempfile.mkdtemp(prefix="inventory-metrics-")
    os.environ[DIRECTORY_VARIABLE] = made
    try:
        yield made
    finally:
        os.environ.pop(DIRECTORY_VARIABLE, None)
        shutil.rmtree(made, ignore_errors=True)
