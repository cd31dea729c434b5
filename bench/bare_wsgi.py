"""The bare baseline for the HTTP benchmark: a WSGI app that answers fixed JSON, nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

BODY = b'{"sku":"BENCH-1","name":"Bench product","version":1}'


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
