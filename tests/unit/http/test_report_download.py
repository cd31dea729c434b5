"""A finished report downloaded over HTTP: streamed from storage chunk by chunk."""

from __future__ import annotations

import io
from collections.abc import Iterator

from jsonschema import Draft202012Validator

from inventory.entrypoints.http.resources.jobs import ChunkStream
from tests.unit.http.driver import Api


def test_a_chunk_stream_reads_across_chunk_boundaries_and_past_empty_chunks() -> None:
    stream = io.BufferedReader(ChunkStream(iter([b"abc", b"", b"defgh", b"i"])), buffer_size=2)

    assert stream.read(4) == b"abcd"
    assert stream.read() == b"efghi"
    assert stream.read() == b""


def test_closing_a_chunk_stream_ends_the_reading_of_its_chunks() -> None:
    ended: list[bool] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"first"
            yield b"second"
        finally:
            ended.append(True)

    stream = io.BufferedReader(ChunkStream(chunks()))
    assert stream.read(5) == b"first"

    stream.close()

    assert ended == [True]


def test_a_report_job_run_by_the_runner_is_downloaded_whole(stocked: Api) -> None:
    job = stocked.ok("POST", "/api/v1/reports", {"kind": "valuation", "format": "json"},
                     key=stocked.clerk)  # fmt: skip
    assert stocked.services.job_runner(threads=1).run_once() is not None
    done = stocked.ok("GET", f"/api/v1/jobs/{job['id']}")
    assert done["status"] == "succeeded", done["error"]

    reply = stocked.get(done["result_url"])
    head = stocked.head(done["result_url"])

    assert reply.status == 200
    assert reply.json == {
        "rows": [{"sku": "BOLT", "warehouse": "MAIN", "on_hand": 10, "average_cost": "1.0000",
                  "value": "10.0000"}],
        "total": {"on_hand": 10, "value": "10.0000"},
    }  # fmt: skip
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Content-Disposition") == (
        f'attachment; filename="valuation-{job["id"]}.json"'
    )
    assert reply.header("Content-Length") == str(len(reply.body))
    assert (head.status, head.body) == (200, b"")
    assert head.header("Content-Length") == str(len(reply.body))


def test_every_json_report_matches_the_documented_download(stocked: Api) -> None:
    document = stocked.ok("GET", "/openapi.json")
    download = document["paths"]["/api/v1/jobs/{id}/result"]["get"]["responses"]["200"]
    validator = Draft202012Validator(download["content"]["application/json"]["schema"])
    for kind in ("valuation", "movements", "low_stock"):
        job = stocked.ok("POST", "/api/v1/reports", {"kind": kind, "format": "json"},
                         key=stocked.clerk)  # fmt: skip
        assert stocked.services.job_runner(threads=1).run_once() is not None
        done = stocked.ok("GET", f"/api/v1/jobs/{job['id']}")

        report = stocked.get(done["result_url"]).json

        assert list(validator.iter_errors(report)) == [], kind
    assert list(validator.iter_errors({"rows": [], "total": {"on_hand": 1}})) != []


def test_a_job_shows_where_its_report_is_downloaded_once_it_succeeded(stocked: Api) -> None:
    queued = stocked.ok("POST", "/api/v1/reports", {"kind": "valuation"}, key=stocked.clerk)
    assert stocked.services.job_runner(threads=1).run_once() is not None

    shown = stocked.get(f"/api/v1/jobs/{queued['id']}")
    listed = stocked.ok("GET", "/api/v1/jobs")["items"]

    assert list(queued) == ["id", "kind", "status", "attempts", "params", "created_at",
                            "started_at", "finished_at", "error", "result_url"]  # fmt: skip
    assert queued["result_url"] is None
    url = f"/api/v1/jobs/{queued['id']}/result"
    assert shown.body.endswith(f',"error":null,"result_url":"{url}"}}'.encode())
    assert [job["result_url"] for job in listed] == [url]
