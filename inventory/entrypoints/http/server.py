"""Serving the WSGI application with gunicorn, embedded through its application API."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from gunicorn import glogging, util
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.config import Config
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.workers.base import Worker

from inventory.bootstrap import bootstrap, counting, shared_metrics
from inventory.config import Settings
from inventory.entrypoints import tracking
from inventory.entrypoints.http.middleware import new_request_id
from inventory.entrypoints.http.problems import PROBLEM_JSON, HttpError, problem_body
from inventory.entrypoints.http.routes import create_app
from inventory.entrypoints.lifeline import signal_on_parent_death
from inventory.entrypoints.logs import configure_logging

if TYPE_CHECKING:
    from gunicorn._types import _WSGIAppType


def default_workers() -> int:
    """One process per CPU, plus one to keep serving while another waits for the write lock."""
    return (os.cpu_count() or 1) + 1


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """How to serve. Measured on SQLite (bench/http_api.py, README "Serving"): gunicorn's
    sync worker (``threads=1``) answered 2-3x the reads per second of gthread workers at the
    same process count, and more processes than CPUs + 1 added latency, not throughput.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=default_workers)
    threads: int = 1
    graceful_timeout: int = 30
    jobs: bool = True
    """Run one job runner beside the web workers (``inventory worker``, as a child process)."""


class Server(BaseApplication):
    """gunicorn running :func:`create_app`; each worker opens its own storage after the fork."""

    def __init__(self, settings: Settings, options: ServerOptions) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        util.write_error = write_problem
        _drop_server_header()
        options = self.options
        chosen: dict[str, Any] = {
            "bind": f"[{options.host}]:{options.port}"
            if ":" in options.host
            else f"{options.host}:{options.port}",
            "workers": options.workers,
            "worker_class": "gthread" if options.threads > 1 else "sync",
            "threads": options.threads,
            "graceful_timeout": options.graceful_timeout,
            "preload_app": False,  # no storage connection may cross a fork
            "accesslog": None,  # the application logs its own access lines
            "loglevel": self.settings.log_level.lower(),
            "logger_class": GunicornLogs,
            "proc_name": "inventory",
            # The longest list query (every filter at its longest, percent-encoded
            # UTF-8, plus a cursor) fits in gunicorn's largest request line.
            "limit_request_line": 8190,
            # Newer gunicorns open a control socket at one fixed path per user,
            # which two servers on one host would fight over; nothing here uses it.
            "control_socket_disable": True,
            "pre_fork": _freeze_objects,
            "post_fork": _worker_forked,
            "post_worker_init": _worker_ready,
            "worker_exit": _worker_exit,
            "when_ready": self._start_job_runner,
            "on_exit": self._stop_job_runner,
        }
        for name, value in chosen.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def _start_job_runner(self, arbiter: Arbiter) -> None:
        # One runner per deployment, in a process of its own: threads must not run
        # in the arbiter, which forks the web workers, and a runner in every web
        # worker would multiply the pollers for nothing.
        if not self.options.jobs:
            return
        env = {**os.environ, "INVENTORY_DATABASE_URL": self.settings.database_url}
        # when_ready runs in the arbiter's main thread, which lives as long as the
        # arbiter: the kernel's parent-death signal (keyed to the forking thread)
        # then comes when the arbiter dies, however it dies.
        command = [sys.executable, "-m", "inventory", "worker", "--parent-pid", str(os.getpid())]
        self._runner = subprocess.Popen(command, env=env)
        logging.getLogger("inventory.server").info("job runner started (pid %d)", self._runner.pid)

    def _stop_job_runner(self, arbiter: Arbiter) -> None:
        runner: subprocess.Popen[bytes] | None = getattr(self, "_runner", None)
        if runner is None or runner.poll() is not None:
            return
        runner.send_signal(signal.SIGTERM)
        try:
            runner.wait(self.options.graceful_timeout)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()

    def load(self) -> _WSGIAppType:
        configure_logging(self.settings)
        tracking.configure_error_tracking(self.settings)
        app = create_app(counting(bootstrap(self.settings, migrate=False)))
        # gunicorn's stubs type the environ as a MutableMapping; gunicorn passes
        # the dict PEP 3333 specifies, which is what the application expects.
        return cast("_WSGIAppType", app)


class GunicornLogs(glogging.Logger):
    """gunicorn's own lines through the handler :func:`configure_logging` installed.

    So they take the same format (one JSON object per line, when asked) as the
    application's, instead of gunicorn's own.
    """

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers[:]:
                log.removeHandler(handler)
            log.propagate = True


def _worker_exit(arbiter: Arbiter, worker: Worker) -> None:
    tracking.flush()


def _freeze_objects(arbiter: Arbiter, worker: Worker) -> None:
    # Every object the arbiter holds (the modules, mostly) goes to the collector's
    # permanent generation: a worker's collections then never write to them, so
    # their pages stay shared with the arbiter instead of being copied into each
    # worker (docs/adr/0018-a-lean-read-path.md).
    gc.freeze()


def _worker_forked(arbiter: Arbiter, worker: Worker) -> None:
    # gunicorn's workers notice a dead arbiter by its pid, but only between two
    # waits for a request (up to half the worker timeout); the kernel's signal
    # makes them stop (gracefully: SIGTERM) at once. The arbiter forks them
    # from its main thread.
    signal_on_parent_death(signal.SIGTERM)


def _worker_ready(worker: Worker) -> None:
    # From here on the worker handles SIGTERM itself (gunicorn installs its signal
    # handlers first); a SIGTERM that reaches a worker still booting is lost, and
    # gunicorn then waits out the graceful timeout before killing it.
    settle_heap()
    logging.getLogger("inventory.server").info("worker ready (pid %d)", worker.pid)


def settle_heap() -> None:
    """Put what a loaded worker holds (modules, schemas, the application) in the
    collector's permanent generation, after freeing what loading left behind: the
    full collections that requests trigger then walk only what requests made."""
    gc.collect()
    gc.freeze()


def _drop_server_header() -> None:
    """Send no ``Server`` header (API.md §1: none names the software or its version).

    gunicorn has no setting for it: ``Response.default_headers`` always writes
    ``Server: gunicorn``. This wraps that method to leave the line out; the
    status line, ``Date`` and ``Connection`` it writes are kept as they are.
    If a later gunicorn stops writing the line, the wrapper simply finds none.
    """
    original = gunicorn_wsgi.Response.default_headers
    if getattr(original, "drops_server_header", False):
        return

    def default_headers(self: gunicorn_wsgi.Response) -> list[str]:
        lines: list[str] = original(self)
        return [line for line in lines if not line.lower().startswith("server:")]

    default_headers.drops_server_header = True  # type: ignore[attr-defined]
    setattr(gunicorn_wsgi.Response, "default_headers", default_headers)  # noqa: B010


_PARSER_CODES = {403: "forbidden", 413: "payload_too_large", 500: "internal_error"}


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Answer a request gunicorn's own HTTP parser refused as the application would.

    gunicorn writes these answers itself (a malformed request line, a request
    line or header over its limits, a bad Content-Length) through
    ``gunicorn.util.write_error``, which :class:`Server` replaces with this: the
    client gets problem+json with a ``code`` and an ``X-Request-ID``, as from
    every other refusal, instead of an HTML page.
    """
    # The parameter names are gunicorn's, so that this stands in for its function.
    request_id = new_request_id()
    status = status_int
    code = _PARSER_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    body = problem_body(HttpError(status, code, mesg or reason), request_id)
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\nContent-Length: {len(body)}\r\n"
        f"X-Request-ID: {request_id}\r\nX-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def serve(settings: Settings, options: ServerOptions) -> None:
    """Run until SIGTERM (requests in flight finish) or SIGINT; migrations ran before."""
    configure_logging(settings)
    with shared_metrics():
        Server(settings, options).run()
