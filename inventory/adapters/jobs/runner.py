"""A thread-based job runner: claim a due job, run its handler, record the outcome.

Leases renewed while a job runs, a heartbeat thread, a graceful stop.
See docs/adr/0006-job-runner-in-the-database.md.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from inventory.application.jobs import (
    JobHandlers,
    claim_next,
    forget_heartbeat,
    record_failure,
    record_heartbeat,
    record_success,
    release_job,
    renew_lease,
)
from inventory.application.ports import Clock, UnitOfWorkFactory
from inventory.domain.errors import DomainError
from inventory.domain.jobs import Job

log = logging.getLogger("inventory.jobs")

HEARTBEAT_SECONDS = 5.0
"""How often a runner records that it is alive."""

Outcome = Callable[[str, str], None]
"""Told of each attempt's recorded outcome: (job kind, "succeeded" | "failed" | "released")."""


@dataclass(frozen=True, slots=True)
class Periodic:
    """A task every runner repeats (it must be safe to run from several runners at once).

    ``at_start``: run it once as the runner starts too, not only ``every`` seconds later.
    """

    name: str
    every: float
    run: Callable[[], object]
    at_start: bool = False


@dataclass(slots=True)
class _InHand:
    """A job a thread is running; ``finished`` is set when the runner is done with it."""

    job: Job
    finished: threading.Event = field(default_factory=threading.Event)


class JobRunner:
    """Runs due jobs on ``threads`` threads until :meth:`stop`.

    ``record``, if given, is called once for each attempt whose outcome the
    queue recorded, with the job's kind and ``"succeeded"``, ``"failed"`` or
    ``"released"`` (an attempt whose lease was lost to another runner has no
    outcome here: that runner's counts).

    ``idle_polls`` counts the looks for a due job that found none: how a test
    knows the runner has looked since some moment, rather than waiting a while.
    """

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
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        record: Outcome | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._handlers = handlers
        self._threads = threads
        self._poll = poll_seconds
        self._lease = lease
        self._periodic = periodic
        self._heartbeat_seconds = heartbeat_seconds
        self._record = record
        self._stopping = threading.Event()
        self._silenced = threading.Event()
        self._workers: list[threading.Thread] = []
        self._heartbeat: threading.Thread | None = None
        # Guards _in_hand: a job's thread and stop() both take its entry out,
        # and only the one that does records what became of the attempt.
        self._lock = threading.Lock()
        self._in_hand: dict[str, _InHand] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.done = 0
        self.failed = 0
        self.released = 0
        self.idle_polls = 0

    def start(self) -> None:
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._heartbeat.start()
        for n in range(self._threads):
            self._spawn(f"job-runner-{n}", self._work)
        for task in self._periodic:
            self._spawn(f"periodic-{task.name}", functools.partial(self._repeat, task))
        log.info("job runner %s started with %d threads", self.name, self._threads)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; give the jobs in hand ``timeout`` seconds, then release the rest."""
        self._stopping.set()
        log.info(
            "job runner %s stopping: no new claims; %d job(s) in hand, up to %g s to finish",
            self.name, len(self._in_hand), timeout,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            unfinished = list(self._in_hand.values())
            self._in_hand.clear()
        for entry in unfinished:
            self._release(entry)
        self._silence()
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
            else:
                if job is None:
                    self.idle_polls += 1
            if job is None:
                self._stopping.wait(self._poll)

    def _repeat(self, task: Periodic) -> None:
        if task.at_start:
            self._run_periodic(task)
        while not self._stopping.wait(task.every):
            self._run_periodic(task)

    def _run_periodic(self, task: Periodic) -> None:
        try:
            task.run()
        except Exception:
            log.exception("periodic task %s failed", task.name)

    def _run(self, job: Job) -> None:
        entry = _InHand(job)
        with self._lock:
            self._in_hand[job.id] = entry
        handler = self._handlers.get(job.kind)
        renewer = threading.Thread(target=self._renew, args=(job, entry.finished), daemon=True)
        renewer.start()
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind.value!r}")
            result = handler(job)
        except Exception as exc:
            if not self._settle(entry, renewer):
                return
            error = "".join(traceback.format_exception_only(exc)).strip()
            log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, error)
            self.failed += 1
            if record_failure(job, error, random.random(), self._uow(), self._clock):
                self._count(job, "failed")
            return
        if not self._settle(entry, renewer):
            return
        if record_success(job, result, self._uow(), self._clock):
            self.done += 1
            self._count(job, "succeeded")
            log.info("job %s (%s) succeeded", job.id, job.kind)

    def _settle(self, entry: _InHand, renewer: threading.Thread) -> bool:
        """End the lease renewal; False if stop() released the job meanwhile (it is not ours)."""
        with self._lock:
            ours = self._in_hand.pop(entry.job.id, None) is entry
        entry.finished.set()
        renewer.join()
        if not ours:
            log.info("job %s (%s) finished after it was released", entry.job.id, entry.job.kind)
        return ours

    def _release(self, entry: _InHand) -> None:
        job = entry.job
        entry.finished.set()
        try:
            released = release_job(job, self._uow(), self._clock)
        except DomainError as exc:  # its lease ends in time, and another runner takes it then
            log.warning("job %s could not be released: %s", job.id, exc.detail)
            return
        if released:
            self.released += 1
            self._count(job, "released")
            log.warning(
                "job %s (%s) attempt %d released unfinished: the runner is stopping",
                job.id, job.kind, job.attempts,
            )  # fmt: skip

    def _count(self, job: Job, outcome: str) -> None:
        if self._record is None:
            return
        try:
            self._record(job.kind.value, outcome)
        except Exception:  # a broken counter must not stop the jobs
            log.exception("could not count job %s's outcome %s", job.id, outcome)

    def _renew(self, job: Job, finished: threading.Event) -> None:
        every = self._lease.total_seconds() / 3
        while not finished.wait(every):
            try:
                if not renew_lease(job, self._uow(), self._clock, self._lease):
                    if not finished.is_set():  # else it was released, not lost
                        log.warning("job %s: lease lost to another runner", job.id)
                    return
            except DomainError as exc:
                log.warning("job %s: could not renew its lease: %s", job.id, exc.detail)

    def _beat(self) -> None:
        # Beats until _silence(), after the jobs in hand are done with: a runner
        # that is stopping is still alive, and still finishing its jobs.
        while True:
            try:
                record_heartbeat(self.name, self._uow(), self._clock)
            except DomainError as exc:  # storage busy or gone: the next beat may land
                log.warning("job runner %s could not record its heartbeat: %s", self.name, exc)
            except Exception:
                log.exception("job runner %s could not record its heartbeat", self.name)
            if self._silenced.wait(self._heartbeat_seconds):
                return

    def _silence(self) -> None:
        """Stop the heartbeat and remove it: this runner runs no more jobs."""
        self._silenced.set()
        if self._heartbeat is not None:
            self._heartbeat.join(min(self._heartbeat_seconds, 1.0))  # if a beat is under way
        try:
            forget_heartbeat(self.name, self._uow())
        except DomainError as exc:  # it ages out: /ready reports it as stale, then it goes
            log.warning("job runner %s could not remove its heartbeat: %s", self.name, exc)
