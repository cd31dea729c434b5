"""A thread-based job runner: claim a due job, run its handler, record the outcome.

Several runners (threads here, processes elsewhere) may share one queue: a
claim happens inside a write unit of work, so two can never start the same
job. While a job runs, its lease is renewed every third of the lease; a
runner that dies stops renewing, and the job is due again once the lease
ends. ``stop()`` stops claiming and waits for the jobs in hand to finish.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from inventory.application.jobs import (
    JobHandlers,
    claim_next,
    record_failure,
    record_success,
    renew_lease,
)
from inventory.application.ports import Clock, UnitOfWorkFactory
from inventory.domain.errors import DomainError
from inventory.domain.jobs import Job

log = logging.getLogger("inventory.jobs")


@dataclass(frozen=True, slots=True)
class Periodic:
    """A task every runner repeats (it must be safe to run from several runners at once)."""

    name: str
    every: float
    run: Callable[[], object]


class JobRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        handlers: JobHandlers,
        *,
        threads: int = 2,
        poll_seconds: float = 1.0,
        lease: timedelta = timedelta(minutes=2),
        periodic: Sequence[Periodic] = (),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._handlers = handlers
        self._threads = threads
        self._poll = poll_seconds
        self._lease = lease
        self._periodic = periodic
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.done = 0
        self.failed = 0

    def start(self) -> None:
        for n in range(self._threads):
            self._spawn(f"job-runner-{n}", self._work)
        for task in self._periodic:
            self._spawn(f"periodic-{task.name}", functools.partial(self._repeat, task))
        log.info("job runner %s started with %d threads", self.name, self._threads)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; wait up to ``timeout`` seconds for the jobs in hand to finish."""
        self._stopping.set()
        for thread in self._workers:
            thread.join(timeout)
        log.info("job runner %s stopped", self.name)

    def run_once(self) -> Job | None:
        """Claim and run one due job, if there is one (what each thread does in a loop)."""
        runner = f"{self.name}/{threading.current_thread().name}"
        job = claim_next(self._uow(), self._clock, runner, self._lease)
        if job is None:
            return None
        self._run(job)
        return job

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._workers.append(thread)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.run_once()
            except DomainError as exc:  # storage busy or gone: wait, then try again
                log.warning("job runner could not claim a job: %s", exc.detail)
                job = None
            if job is None:
                self._stopping.wait(self._poll)

    def _repeat(self, task: Periodic) -> None:
        while not self._stopping.wait(task.every):
            try:
                task.run()
            except Exception:
                log.exception("periodic task %s failed", task.name)

    def _run(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job, renewing), daemon=True)
        renewer.start()
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind.value!r}")
            result = handler(job)
        except Exception as exc:
            renewing.set()
            renewer.join()
            error = "".join(traceback.format_exception_only(exc)).strip()
            log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, error)
            self.failed += 1
            record_failure(job, error, random.random(), self._uow(), self._clock)
            return
        renewing.set()
        renewer.join()
        if record_success(job, result, self._uow(), self._clock):
            self.done += 1
            log.info("job %s (%s) succeeded", job.id, job.kind)

    def _renew(self, job: Job, finished: threading.Event) -> None:
        every = self._lease.total_seconds() / 3
        while not finished.wait(every):
            try:
                if not renew_lease(job, self._uow(), self._clock, self._lease):
                    log.warning("job %s: lease lost to another runner", job.id)
                    return
            except DomainError as exc:
                log.warning("job %s: could not renew its lease: %s", job.id, exc.detail)
