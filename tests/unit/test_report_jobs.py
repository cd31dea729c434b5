"""The report job: queued on request, written in chunks, kept for a while, downloaded."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from inventory.application.commands import RequestReport
from inventory.application.jobs import record_success
from inventory.application.report_records import ReportResult
from inventory.application.report_results import (
    ReportTooLarge,
    ResultWriter,
    forget_old_reports,
    report_chunks,
    start_result,
    stored_report,
)
from inventory.application.reports import (
    MOVEMENT_COLUMNS,
    VALUATION_COLUMNS,
    ReportFormat,
    download_report,
    movements_report,
    produce_report,
    request_report,
    valuation_report,
    write_report,
    write_valuation,
)
from inventory.domain.errors import NotFound
from inventory.domain.jobs import JobKind, JobStatus
from tests.factories import T0
from tests.unit.job_stories import claim_due, job_now, stock_main
from tests.unit.stories import Shop, given_stock


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    return stock_main(shop)


def _stored_report(shop: Shop, result_id: str) -> tuple[ReportResult, str]:
    """The stored report and its text, read back as a download reads it."""
    result = stored_report(result_id, shop.uow)
    assert result is not None
    return result, b"".join(report_chunks(result, shop.uow)).decode()


def test_requesting_a_report_queues_a_report_job_with_the_request(shop: Shop) -> None:
    request = RequestReport(kind="movements", format="json", params={"warehouse": "WH-MAIN"})

    job = request_report(request, shop.uow(), shop.clock, shop.ids, 7)

    assert job_now(shop, job) == job
    assert (job.kind, job.status, job.max_attempts) == (JobKind.REPORT, JobStatus.QUEUED, 7)
    assert job.params == {
        "kind": "movements",
        "format": "json",
        "params": {"warehouse": "WH-MAIN", "since": None, "until": None, "days": None},
    }


def test_a_report_job_writes_the_rows_of_the_report_it_names(stocked: Shop) -> None:
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    result_id = produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1_000_000)

    expected = io.StringIO()
    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, expected)
    result, text = _stored_report(stocked, result_id)
    assert text == expected.getvalue()
    assert text.splitlines()[0] == ",".join(VALUATION_COLUMNS)
    assert (result.job_id, result.content_type, result.filename) == (
        job.id, "text/csv; charset=utf-8", f"valuation-{job.id}.csv")  # fmt: skip
    assert result.size == len(text.encode())


def test_a_movements_report_job_keeps_to_its_window(stocked: Shop) -> None:
    stocked.clock.advance(timedelta(hours=1))
    given_stock(stocked, "A", "WH-MAIN", 1)
    since = T0 + timedelta(minutes=30)
    request = RequestReport(kind="movements", format="json", params={"since": since})
    job = request_report(request, stocked.uow(), stocked.clock, stocked.ids, 3)

    result_id = produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1_000_000)

    expected = io.StringIO()
    rows = movements_report(stocked.uow(), since=since)
    assert write_report(rows, MOVEMENT_COLUMNS, ReportFormat.JSON, expected) == 1
    result, text = _stored_report(stocked, result_id)
    assert text == expected.getvalue()
    assert (result.content_type, result.filename) == (
        "application/json",
        f"movements-{job.id}.json",
    )


def test_a_report_is_stored_in_chunks_and_read_back_whole(stocked: Shop) -> None:
    for n in range(40):
        given_stock(stocked, f"SKU-{n:03}", "WH-MAIN", n + 1, unit_cost="1.25")
    result = ReportResult("R-1", "J-1", "text/csv", "r.csv", T0)
    start_result(result, stocked.uow)
    writer = ResultWriter(stocked.uow, result, max_bytes=10_000, chunk_bytes=100)
    text = io.TextIOWrapper(io.BufferedWriter(writer, buffer_size=64), encoding="utf-8", newline="")
    expected = io.StringIO()

    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, text)
    text.flush()
    finished = writer.finish()
    write_valuation(valuation_report(stocked.uow()), ReportFormat.CSV, expected)

    size = len(expected.getvalue().encode())
    assert size > 1000
    assert (finished.size, finished.chunks) == (size, -(-size // 100))
    stored, read = _stored_report(stocked, "R-1")
    assert stored == finished
    assert read == expected.getvalue()
    assert [len(c) for c in report_chunks(stored, stocked.uow)][:-1] == [100] * (stored.chunks - 1)


def test_a_report_over_the_size_limit_fails_its_job_saying_so_and_leaves_nothing(
    stocked: Shop,
) -> None:
    for n in range(40):
        given_stock(stocked, f"SKU-{n:03}", "WH-MAIN", n + 1)
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    with pytest.raises(ReportTooLarge, match=r"larger than 1,024 bytes .*REPORT_MAX_BYTES"):
        produce_report(job, stocked.uow, stocked.clock, stocked.ids, 1024)

    assert stocked.store.report_results == {}
    assert stocked.store.report_chunks == {}


def test_reports_are_removed_once_older_than_their_retention(stocked: Shop) -> None:
    old = request_report(
        RequestReport(kind="low_stock"), stocked.uow(), stocked.clock, stocked.ids, 3
    )
    old_id = produce_report(old, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    stocked.clock.advance(timedelta(days=6))
    new = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )
    new_id = produce_report(new, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    stocked.clock.advance(timedelta(days=1, seconds=1))  # the first is 7 days and 1 s old

    removed = forget_old_reports(stocked.uow, stocked.clock)

    assert removed == 1
    assert stored_report(old_id, stocked.uow) is None
    assert stored_report(new_id, stocked.uow) is not None
    assert all(result_id == new_id for result_id, _ in stocked.store.report_chunks)


def test_a_finished_report_job_is_downloaded_and_an_unfinished_one_is_not_found(
    stocked: Shop,
) -> None:
    job = request_report(
        RequestReport(kind="valuation"), stocked.uow(), stocked.clock, stocked.ids, 3
    )

    with pytest.raises(NotFound, match=r"has no result \(it is queued\)"):
        download_report(job.id, stocked.uow)

    claimed = claim_due(stocked)
    assert claimed.id == job.id
    result_id = produce_report(claimed, stocked.uow, stocked.clock, stocked.ids, 1_000_000)
    assert record_success(claimed, result_id, stocked.uow(), stocked.clock)
    result, chunks = download_report(job.id, stocked.uow)
    assert result.id == result_id
    assert b"".join(chunks).startswith(b"sku,warehouse")

    with stocked.uow() as uow:
        uow.report_results.delete(result_id)
        uow.commit()
    with pytest.raises(NotFound, match="is no longer kept"):
        download_report(job.id, stocked.uow)
