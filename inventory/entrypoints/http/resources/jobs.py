"""Reports as background jobs, and the jobs themselves (API.md §6)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import ConfigDict, Field

from inventory.application import jobs, reports
from inventory.application.commands import RequestReport
from inventory.application.listing import JOB_SORTS, JobList
from inventory.application.views import JobView
from inventory.domain.jobs import Job
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

JOBS = "/api/v1/jobs"
REPORTS = "/api/v1/reports"


class JobResource(JobView):
    # A job as HTTP shows it: where its report is downloaded, rather than whether
    # it can be. No docstring: it would become the schema's description. Named as
    # the view it extends, in the OpenAPI document too.
    model_config = ConfigDict(frozen=True, title="JobView")

    has_result: Annotated[bool, Field(exclude=True)]
    result_url: Annotated[
        str | None, Field(description="Where to download the report once the job succeeded")
    ]

    @classmethod
    def of(cls, job: Job) -> JobResource:
        view = JobView.of(job)
        url = f"{JOBS}/{job.id}/result" if view.has_result else None
        return cls(**dict(view), result_url=url)


def request_report(call: Call) -> Response:
    services = call.services
    job = reports.request_report(
        call.body, call.uow(), services.clock, services.new_id, services.settings.job_max_attempts
    )
    return one(JobResource.of(job), 202, location=f"{JOBS}/{job.id}")


def list_jobs(call: Call) -> Response:
    return page_of(call, jobs.list_jobs(call.query, call.uow()), JobResource.of)


def show_job(call: Call) -> Response:
    return one(JobResource.of(jobs.get_job(call.params["id"], call.uow())))


def job_result(call: Call) -> Response:
    result, chunks = reports.download_report(call.params["id"], call.uow)
    headers = [
        ("Content-Type", result.content_type),
        ("Content-Disposition", f'attachment; filename="{result.filename}"'),
        ("ETag", f'"{result.job_id}"'),
    ]
    stream = io.BufferedReader(ChunkStream(chunks))
    return Response(200, headers=headers, file=stream, file_size=result.size or 0)


class ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (a stored report, read lazily)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._left))
        view[:count] = self._left[:count]
        self._left = self._left[count:]  # a view: the chunk is not copied again
        return count

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:  # a generator: end its unit of work now, not when collected
            close()
        super().close()


ROUTES = [
    Route("POST", REPORTS, request_report, Role.CLERK,
          "Queue a report (valuation, movements, low_stock or expiry, as CSV or JSON)", "jobs",
          status=202, body=RequestReport, response=JobResource),
    Route("GET", JOBS, list_jobs, Role.VIEWER, "List jobs", "jobs",
          query=JobList, sorting=JOB_SORTS, response=JobResource, paged=True),
    Route("GET", f"{JOBS}/{{id:id}}", show_job, Role.VIEWER, "Show a job (poll it)", "jobs",
          response=JobResource),
    Route("GET", f"{JOBS}/{{id:id}}/result", job_result, Role.VIEWER,
          "Download a finished report", "jobs", produces=("text/csv", "application/json"),
          responses={404: "no such job, or it has not succeeded yet"}),
]  # fmt: skip
