"""The request as handlers see it, read from a PEP 3333 environ."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Collection
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import WSGIEnvironment

from inventory.entrypoints.http.problems import HttpError

MAX_BODY = 1024 * 1024
"""The largest body accepted: 1 MiB."""

DRAIN_LIMIT = 8 * MAX_BODY
"""A too-large body up to this size is read and dropped before the 413 is sent."""

JSON = "application/json"

log = logging.getLogger("inventory.http")


class Request:
    """Method, path, query, headers and body of one request; the body is read at most once."""

    def __init__(self, environ: WSGIEnvironment) -> None:
        self.environ = environ
        self.method: str = str(environ.get("REQUEST_METHOD", "GET")).upper()
        # PEP 3333 hands the path over as latin-1 text of the raw bytes.
        raw_path = str(environ.get("PATH_INFO", "")).encode("latin-1")
        self.path = raw_path.decode("utf-8", "replace") or "/"
        self.query_string = str(environ.get("QUERY_STRING", ""))

    def header(self, name: str) -> str | None:
        """A request header by name, any case."""
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            value = self.environ.get(key)
        else:
            value = self.environ.get(f"HTTP_{key}")
        return None if value is None else str(value)

    @cached_property
    def query(self) -> dict[str, str]:
        """The query parameters; a repeated or undecodable one is a bad request."""
        try:
            # PEP 3333 hands it over as latin-1 text of the raw bytes, which are UTF-8.
            text = self.query_string.encode("latin-1").decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise HttpError(400, "bad_request", "the query string is not valid UTF-8") from None
        params: dict[str, str] = {}
        for name, value in pairs:
            if name in params:
                raise HttpError(400, "bad_request", f"query parameter {name!r} is given twice")
            params[name] = value
        return params

    @cached_property
    def body(self) -> bytes:
        """The raw body, refused with 413 past :data:`MAX_BODY`."""
        length_text = self.header("Content-Length") or ""
        stream = self.environ.get("wsgi.input")
        if stream is None:
            return b""
        if length_text.strip():
            try:
                length = int(length_text)
            except ValueError:
                raise HttpError(400, "bad_request", "Content-Length is not a number") from None
            if length > MAX_BODY:
                if length <= DRAIN_LIMIT:
                    # Read it first, so that a client still sending sees the 413
                    # rather than a reset connection.
                    _discard(stream, length)
                raise _too_large()
            data = _read(stream, length) if length > 0 else b""
            if len(data) < length:
                raise _unreadable(
                    f"it ended after {len(data)} of the {length} bytes its Content-Length announced"
                )
        elif self.environ.get("wsgi.input_terminated"):
            data = _read(stream, MAX_BODY + 1)  # chunked: read one byte past the limit
        else:
            return b""
        if len(data) > MAX_BODY:
            raise _too_large()
        return data

    def json(self, media_types: Collection[str] = (JSON,)) -> Any:
        """The body parsed as JSON, after checking its media type."""
        if not self.body:
            raise HttpError(400, "bad_request", "this request needs a JSON body")
        media_type = (self.header("Content-Type") or "").split(";")[0].strip().lower()
        if media_type not in media_types:
            accepted = " or ".join(media_types)
            raise HttpError(415, "unsupported_media_type", f"send the body as {accepted}")
        body = self.body
        try:
            value = json.loads(
                body.decode("utf-8"),
                parse_constant=_no_constants,
                parse_int=_integer,
                object_pairs_hook=_unique,
            )
            # A lone surrogate escape ("\ud800") parses but is not text any store can keep.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, ValueError, RecursionError) as exc:
            raise HttpError(
                400, "bad_request", f"the body is not valid JSON: {_why(exc)}"
            ) from None
        return value


def _read(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of the body; 400 when the server cannot read it.

    The server's reader raises when the chunked encoding is broken or the
    connection ends or breaks mid-body (under gunicorn: ``InvalidChunkSize``,
    ``ChunkMissingTerminator``, ``NoMoreData``, a reset). Whatever it raises
    from ``read``, the body is not there to be had: the client's fault, not a
    server error, and no server's exception classes need importing here.
    """
    try:
        return bytes(stream.read(size))
    except Exception as exc:  # any read failure: see the docstring
        if isinstance(exc, OSError):
            why = "the connection ended or broke before the body was complete"
        else:
            why = "its transfer encoding is broken (a bad chunk size or chunk end)"
        raise _unreadable(why, exc) from None


def _unreadable(why: str, cause: Exception | None = None) -> HttpError:
    # An answer may still reach a client that only half-closed; one that went
    # away will not see it. Either way it is the request's fault: a 400, one
    # INFO line (with the request id, as every line while serving), never a 500.
    # The server's own error class goes to the log only, never to the client.
    found = "" if cause is None else f" ({type(cause).__name__}: {str(cause)[:200]})"
    log.info("request body unreadable: %s%s", why, found)
    return HttpError(400, "bad_request", f"the request body could not be read: {why}")


def _discard(stream: Any, length: int) -> None:
    left = length
    while left > 0:
        chunk = _read(stream, min(left, 64 * 1024))
        if not chunk:
            return
        left -= len(chunk)


def _too_large() -> HttpError:
    return HttpError(413, "payload_too_large", f"the body is larger than {MAX_BODY} bytes")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a member given twice (which value would the client mean?)."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise ValueError(f"member {name!r} appears twice")
        found[name] = value
    return found


def _integer(digits: str) -> int:
    """A JSON integer; one too long for Python to read says so, not how to raise the limit."""
    try:
        return int(digits)
    except ValueError:
        raise ValueError(
            f"a number has {len(digits.lstrip('-'))} digits, more than can be read "
            f"({sys.get_int_max_str_digits()}); no field takes a number that long"
        ) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeError):
        return "it is not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return str(exc)
