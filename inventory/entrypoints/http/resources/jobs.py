"""Reports as background jobs, and the jobs themselves (API.md §6)."""

from __future__ import annotations

from inventory.application import jobs, reports
from inventory.application.commands import RequestReport
from inventory.application.listing import JOB_SORTS, JobList
from inventory.application.views import JobView
from inventory.domain.errors import NotFound
from inventory.domain.jobs import JobKind, JobStatus
from inventory.domain.keys import Role
from inventory.entrypoints.http.representation import one, page_of
from inventory.entrypoints.http.response import Response
from inventory.entrypoints.http.routing import Call, Route

JOBS = "/api/v1/jobs"
REPORTS = "/api/v1/reports"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def request_report(call: Call) -> Response:
    services = call.services
    job = reports.request_report(
        call.body, call.uow(), services.clock, services.new_id, services.settings.job_max_attempts
    )
    return one(JobView.of(job), 202, location=f"{JOBS}/{job.id}")


def list_jobs(call: Call) -> Response:
    return page_of(call, jobs.list_jobs(call.query, call.uow()), JobView.of)


def show_job(call: Call) -> Response:
    return one(JobView.of(jobs.get_job(call.params["id"], call.uow())))


def job_result(call: Call) -> Response:
    job = jobs.get_job(call.params["id"], call.uow())
    if job.kind is not JobKind.REPORT or job.status is not JobStatus.SUCCEEDED or not job.result:
        raise NotFound(f"job {job.id!r} has no result (it is {job.status.value})")
    request = RequestReport.model_validate(job.params)
    try:
        file, size = call.services.reports.open(job.result)
    except FileNotFoundError:
        raise NotFound(f"the report of job {job.id!r} is no longer kept") from None
    filename = f"{request.kind}-{job.id}.{request.format}"
    headers = [
        ("Content-Type", MEDIA_TYPES[request.format]),
        ("Content-Disposition", f'attachment; filename="{filename}"'),
        ("ETag", f'"{job.id}"'),
    ]
    return Response(200, headers=headers, file=file, file_size=size)


ROUTES = [
    Route("POST", REPORTS, request_report, Role.CLERK,
          "Queue a report (valuation, movements or low_stock, as CSV or JSON)", "jobs",
          status=202, body=RequestReport, response=JobView),
    Route("GET", JOBS, list_jobs, Role.VIEWER, "List jobs", "jobs",
          query=JobList, sorting=JOB_SORTS, response=JobView, paged=True),
    Route("GET", f"{JOBS}/{{id:id}}", show_job, Role.VIEWER, "Show a job (poll it)", "jobs",
          response=JobView),
    Route("GET", f"{JOBS}/{{id:id}}/result", job_result, Role.VIEWER,
          "Download a finished report", "jobs", produces=("text/csv", "application/json"),
          responses={404: "no such job, or it has not succeeded yet"}),
]  # fmt: skip
