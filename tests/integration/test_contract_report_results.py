"""The ReportResultRepository contract: stored reports in chunks, read back, removed.

Stored reports are bookkeeping, not data: writing them leaves the data
generation alone. Every test runs once per storage adapter (see ``conftest.py``).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from inventory.application.ports import Storage
from inventory.application.report_records import ReportResult
from inventory.application.report_results import (
    ResultWriter,
    forget_old_reports,
    report_chunks,
    start_result,
    stored_report,
)
from inventory.domain.errors import Conflict, NotFound
from tests.factories import T0, FixedClock
from tests.factories import WATCHED_SCOPES as WATCHED
from tests.integration.contract import reading

BINARY = bytes(range(256)) * 3 + b"\x00\xff end"
"""Every byte value, a NUL among them: chunks are bytes, never text."""


def _result(id: str = "R-1", at: timedelta = timedelta(0)) -> ReportResult:
    return ReportResult(id, f"JOB-{id}", "text/csv; charset=utf-8", f"{id}.csv", T0 + at)


def _store(storage: Storage, result: ReportResult, *chunks: bytes) -> None:
    with storage.unit_of_work() as uow:
        uow.report_results.add(result)
        for seq, data in enumerate(chunks):
            uow.report_results.add_chunk(result.id, seq, data)
        uow.report_results.complete(result.id, sum(map(len, chunks)), len(chunks))
        uow.commit()


def test_a_stored_report_reads_back_whole_chunk_by_chunk(storage: Storage) -> None:
    _store(storage, _result(), BINARY, b"second", b"")

    with reading(storage) as uow:
        stored = uow.report_results.get("R-1")
        chunks = [uow.report_results.chunk("R-1", seq) for seq in range(4)]

    assert stored == ReportResult(
        "R-1", "JOB-R-1", "text/csv; charset=utf-8", "R-1.csv", T0, len(BINARY) + 6, 3
    )
    assert chunks == [BINARY, b"second", b"", None]


def test_a_report_being_written_is_not_complete_until_marked_so(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.report_results.add(_result())
        uow.report_results.add_chunk("R-1", 0, b"partial")
        uow.commit()

    with reading(storage) as uow:
        written = uow.report_results.get("R-1")

    assert written is not None
    assert (written.size, written.chunks, written.complete) == (None, 0, False)
    assert stored_report("R-1", storage.unit_of_work) is None


def test_an_uncommitted_report_leaves_nothing(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.report_results.add(_result())
        uow.report_results.add_chunk("R-1", 0, b"data")

    with reading(storage) as uow:
        assert uow.report_results.get("R-1") is None
        assert uow.report_results.chunk("R-1", 0) is None


def test_a_report_id_or_a_chunk_number_is_taken_once(storage: Storage) -> None:
    _store(storage, _result(), b"one")

    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.report_results.add(_result())
    with storage.unit_of_work() as uow, pytest.raises(Conflict):
        uow.report_results.add_chunk("R-1", 0, b"again")
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.report_results.add_chunk("R-NONE", 0, b"orphan")
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.report_results.complete("R-NONE", 1, 1)


def test_deleting_a_report_removes_its_chunks_and_no_other(storage: Storage) -> None:
    _store(storage, _result("R-1"), b"a", b"b")
    _store(storage, _result("R-2"), b"c")

    with storage.unit_of_work() as uow:
        uow.report_results.delete("R-1")
        uow.report_results.delete("R-NONE")  # no error
        uow.commit()

    with reading(storage) as uow:
        assert uow.report_results.get("R-1") is None
        assert [uow.report_results.chunk("R-1", seq) for seq in range(2)] == [None, None]
        assert uow.report_results.chunk("R-2", 0) == b"c"


def test_reports_made_before_a_time_are_removed_finished_or_not(storage: Storage) -> None:
    _store(storage, _result("R-OLD"), b"old")
    with storage.unit_of_work() as uow:  # never finished: its runner died
        uow.report_results.add(_result("R-BROKEN", timedelta(minutes=1)))
        uow.report_results.add_chunk("R-BROKEN", 0, b"half")
        uow.commit()
    _store(storage, _result("R-NEW", timedelta(hours=2)), b"new")

    with storage.unit_of_work() as uow:
        removed = uow.report_results.delete_created_before(T0 + timedelta(hours=2))
        uow.commit()

    assert removed == 2
    with reading(storage) as uow:
        assert [uow.report_results.get(id) is None for id in ("R-OLD", "R-BROKEN", "R-NEW")] == [
            True, True, False]  # fmt: skip
        assert uow.report_results.chunk("R-BROKEN", 0) is None
        assert uow.report_results.chunk("R-NEW", 0) == b"new"


def test_the_retention_sweep_removes_reports_older_than_a_week(storage: Storage) -> None:
    _store(storage, _result("R-OLD"), b"old")
    _store(storage, _result("R-NEW", timedelta(days=1)), b"new")

    removed = forget_old_reports(
        storage.unit_of_work, FixedClock(T0 + timedelta(days=7, seconds=1))
    )

    assert removed == 1
    assert stored_report("R-OLD", storage.unit_of_work) is None
    assert stored_report("R-NEW", storage.unit_of_work) is not None


def test_storing_reports_leaves_the_data_generation_alone(storage: Storage) -> None:
    with reading(storage) as uow:
        before = uow.versions([WATCHED])[0]

    _store(storage, _result(), b"x")
    with storage.unit_of_work() as uow:
        uow.report_results.delete("R-1")
        uow.commit()

    with reading(storage) as uow:
        assert uow.versions([WATCHED])[0] == before


def test_a_report_written_in_chunks_while_its_rows_are_read_reads_back_the_same(
    storage: Storage,
) -> None:
    # As a report job does it: chunks committed one by one while a read unit is open.
    data = os.urandom(3000)
    result = _result()
    start_result(result, storage.unit_of_work)
    writer = ResultWriter(storage.unit_of_work, result, max_bytes=10_000, chunk_bytes=1024)
    with reading(storage):
        for offset in range(0, len(data), 700):
            writer.write(data[offset : offset + 700])
    finished = writer.finish()

    assert (finished.size, finished.chunks) == (3000, 3)
    stored = stored_report("R-1", storage.unit_of_work)
    assert stored == finished
    assert b"".join(report_chunks(stored, storage.unit_of_work)) == data
