"""Prometheus metrics, summed over every process that writes to one directory.

See docs/adr/0012-metrics-summed-over-processes.md.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

_HOST = socket.gethostname().replace("_", "-")


def _name_this_process() -> None:
    _name[0] = f"{_HOST}-{os.getpid()}"


_name = [""]
_name_this_process()
os.register_at_fork(after_in_child=_name_this_process)


def process_identifier() -> str:
    """This process's name in the shared directory (file names split at ``_``, so none here).

    The library asks before every write, to notice a fork: the name is made
    again in the child of each fork, not at each write (``getpid`` is a system call).
    """
    return _name[0]


def clear_own_files(directory: str) -> int:
    """Delete the files left in ``directory`` by earlier processes of this host; how many."""
    removed = 0
    for path in Path(directory).glob(f"*_{_HOST}-*.db"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


class PrometheusMetrics:
    """The service's metrics (API.md §8), in a registry of this object's own."""

    def __init__(
        self, directory: str | None = None, identify: Callable[[], str] = process_identifier
    ) -> None:
        self.directory = directory
        if directory is not None:
            # The value class is the library's switch between in-process and
            # file-backed values; it is read as each value is made. A process
            # makes one instance with a directory (a server worker, a job
            # runner), before any other. The library writes its files where the
            # variable says, so the variable must name this directory.
            os.environ[DIRECTORY_VARIABLE] = directory
            values.ValueClass = values.MultiProcessValue(identify)  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "inventory_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._durations = Histogram(
            "inventory_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["route"],
            registry=self.registry,
        )
        self._cache = Counter(
            "inventory_cache_requests",
            "Cached reads looked up, by result (hit or miss).",
            ["result"],
            registry=self.registry,
        )
        self._limited = Counter(
            "inventory_rate_limited",
            "Requests refused with 429 over the rate limit.",
            registry=self.registry,
        )
        self._jobs = Counter(
            "inventory_jobs",
            "Job attempts finished, by kind and status (succeeded, failed, released).",
            ["kind", "status"],
            registry=self.registry,
        )

        # The labelled values met so far: finding one through ``labels`` costs
        # more than counting on it. Labels are bounded (route templates, standard
        # methods, statuses), so these stay small.
        self._answers: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self._lookups: dict[bool, Counter] = {}

    def http_request(self, method: str, route: str, status: str, seconds: float) -> None:
        labels = (method, route, status)
        found = self._answers.get(labels)
        if found is None:
            found = self._requests.labels(*labels), self._durations.labels(route)
            self._answers[labels] = found
        found[0].inc()
        found[1].observe(seconds)

    def cache_lookup(self, hit: bool) -> None:
        found = self._lookups.get(hit)
        if found is None:
            found = self._lookups[hit] = self._cache.labels("hit" if hit else "miss")
        found.inc()

    def rate_limited(self) -> None:
        self._limited.inc()

    def job_finished(self, kind: str, status: str) -> None:
        self._jobs.labels(kind, status).inc()

    def exposition(self) -> tuple[bytes, str]:
        if self.directory is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        summed = CollectorRegistry()
        MultiProcessCollector(summed, path=self.directory)  # type: ignore[no-untyped-call]
        return generate_latest(summed), CONTENT_TYPE_LATEST


class NoMetrics:
    """Counts nothing: the one-shot CLI commands, which nobody scrapes."""

    def http_request(self, method: str, route: str, status: str, seconds: float) -> None:
        pass

    def cache_lookup(self, hit: bool) -> None:
        pass

    def rate_limited(self) -> None:
        pass

    def job_finished(self, kind: str, status: str) -> None:
        pass

    def exposition(self) -> tuple[bytes, str]:
        return b"", CONTENT_TYPE_LATEST


def open_metrics() -> PrometheusMetrics:
    """Metrics in the shared directory ``PROMETHEUS_MULTIPROC_DIR`` names, else in-process."""
    directory = os.environ.get(DIRECTORY_VARIABLE) or None
    if directory is not None:
        os.makedirs(directory, exist_ok=True)  # an `inventory worker` may be the first there
    return PrometheusMetrics(directory)
