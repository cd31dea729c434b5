"""What an operator sees of requests: metrics (API.md §8), access lines, readiness checks."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from inventory.adapters.cache import MemoryCache
from inventory.adapters.rate_limits import MemoryRateLimiter
from inventory.application.rate_limits import Rate
from inventory.entrypoints.http.app import wsgi_app
from inventory.entrypoints.logs import formatter
from tests.unit.http.driver import Api, served_routes
from tests.unit.logs import json_lines


def sample(api: Api, name: str, **labels: str) -> float:
    value = api.metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


# --- metrics ----------------------------------------------------------------------


def test_requests_are_counted_by_method_route_template_and_status(stocked: Api) -> None:
    posted = {"method": "POST", "route": "/api/v1/warehouses", "status": "201"}
    before = sample(stocked, "inventory_http_requests_total", **posted)
    for _ in range(3):
        stocked.get("/api/v1/products/BOLT")
    stocked.get("/api/v1/products/NUT")
    stocked.post("/api/v1/warehouses", {"code": "EAST", "name": "East"})

    counted = "inventory_http_requests_total"
    route = "/api/v1/products/{sku}"
    assert sample(stocked, counted, method="GET", route=route, status="200") == 3
    assert sample(stocked, counted, method="GET", route=route, status="404") == 1
    assert sample(stocked, counted, **posted) == before + 1
    durations = "inventory_http_request_duration_seconds_count"
    assert sample(stocked, durations, route=route) == 4


def test_no_raw_path_becomes_a_label(api: Api) -> None:
    api.get("/api/v1/products/SECRET-SKU-1")
    api.get("/no/such/path/SECRET-SKU-2")

    text = api.get("/metrics", key=None).body.decode()
    assert "SECRET-SKU" not in text
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert sample(api, "inventory_http_requests_total", **unmatched) == 1


@pytest.mark.parametrize("method", ["XYZZY1", "XYZZY2", "PROPFIND"])
def test_a_method_no_standard_names_is_counted_as_other(api: Api, method: str) -> None:
    api.request(method, "/health", key=None, validate=False)  # wsgiref warns of the method

    counted = "inventory_http_requests_total"
    assert sample(api, counted, method="other", route="/health", status="405") == 1
    text = api.get("/metrics", key=None).body.decode()
    assert method not in text


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_a_standard_method_is_its_own_label(api: Api, method: str) -> None:
    api.request(method, "/health", key=None)

    counted = "inventory_http_requests_total"
    assert (
        sum(
            sample(api, counted, method=method, route="/health", status=status)
            for status in ("200", "204", "405")
        )
        == 1
    )


@pytest.mark.parametrize(
    ("method", "path", "route", "status"),
    [
        ("DELETE", "/api/v1/products", "/api/v1/products", "405"),
        ("POST", "/api/v1/products/BOLT", "/api/v1/products/{sku}", "405"),
        ("OPTIONS", "/api/v1/products/BOLT", "/api/v1/products/{sku}", "204"),
        ("OPTIONS", "/health", "/health", "204"),
        ("OPTIONS", "/api/v1/nowhere", "unmatched", "404"),
        ("GET", "/api/v1/nowhere", "unmatched", "404"),
    ],
)
def test_405_and_options_on_a_known_path_are_counted_under_its_template(
    api: Api, method: str, path: str, route: str, status: str
) -> None:
    api.request(method, path, key=None)

    counted = "inventory_http_requests_total"
    assert sample(api, counted, method=method, route=route, status=status) == 1


def test_a_rate_limited_request_is_counted_under_its_route_template(api: Api) -> None:
    limiter = MemoryRateLimiter(Rate(1, 60), lambda: 1_000_000.0)
    api.app = wsgi_app(dataclasses.replace(api.services, rate_limiter=limiter), served_routes())
    api.get("/api/v1/products/BOLT")

    assert api.get("/api/v1/products/NUT").status == 429

    counted = "inventory_http_requests_total"
    route = "/api/v1/products/{sku}"
    assert sample(api, counted, method="GET", route=route, status="429") == 1
    assert sample(api, counted, method="GET", route="unmatched", status="429") == 0


def test_metrics_are_prometheus_text_with_every_documented_name(api: Api) -> None:
    api.get("/health")

    reply = api.get("/metrics", key=None)

    assert reply.status == 200
    assert reply.media_type == "text/plain"
    assert reply.header("Cache-Control") == "no-store"
    text = reply.body.decode()
    for name in (
        "inventory_http_requests_total",
        "inventory_http_request_duration_seconds",
        "inventory_cache_requests_total",
        "inventory_rate_limited_total",
        "inventory_jobs_total",
    ):
        assert f"# HELP {name} " in text
    assert 'inventory_http_request_duration_seconds_bucket{le="0.005",route="/health"} 1.0' in text


def test_cached_reads_are_counted_as_hits_and_misses() -> None:
    api = Api(cache=MemoryCache())
    api.given_stock("BOLT", "MAIN", 10)
    before_hits = sample(api, "inventory_cache_requests_total", result="hit")
    before_misses = sample(api, "inventory_cache_requests_total", result="miss")

    api.get("/api/v1/products/BOLT")  # the key lookup may hit; the product misses
    api.get("/api/v1/products/BOLT")  # both hit

    hits = sample(api, "inventory_cache_requests_total", result="hit") - before_hits
    misses = sample(api, "inventory_cache_requests_total", result="miss") - before_misses
    assert misses >= 1
    assert hits >= 2
    assert hits + misses == 4  # two requests, each one key lookup and one product read


def test_jobs_are_counted_by_kind_and_status(api: Api) -> None:
    api.metrics.job_finished("report", "succeeded")
    api.metrics.job_finished("report", "failed")
    api.metrics.job_finished("report", "failed")

    assert sample(api, "inventory_jobs_total", kind="report", status="failed") == 2
    assert sample(api, "inventory_jobs_total", kind="report", status="succeeded") == 1


# --- access lines -----------------------------------------------------------------


def test_the_access_line_in_json_has_every_field_and_no_secret(stocked: Api) -> None:
    with json_lines("inventory.access") as lines:
        stocked.get("/api/v1/products/BOLT", key=stocked.viewer, headers={"X-Request-ID": "r-1"})

    (line,) = [json.loads(text) for text in lines.getvalue().splitlines()]
    assert line["logger"] == "inventory.access"
    assert line["level"] == "INFO"
    assert line["request_id"] == "r-1"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/products/{sku}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["key_name"] == "viewer-vera"
    assert line["time"].endswith("+00:00")
    assert stocked.viewer not in lines.getvalue()


def test_a_line_logged_while_serving_carries_the_request_id_in_text_too(api: Api) -> None:
    texts: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            texts.append(formatter("text").format(record))

    access = logging.getLogger("inventory.access")
    handler, level = Keep(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        api.get("/health", headers={"X-Request-ID": "text-1"})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)

    (text,) = texts
    assert "GET /health 200" in text
    assert text.endswith(" id=text-1")


# --- readiness --------------------------------------------------------------------


def test_ready_names_every_check() -> None:
    api = Api(probes={"redis": lambda: "ok", "jobs": lambda: "ok"})

    reply = api.get("/ready", key=None)

    assert reply.status == 200
    assert reply.json["checks"] == {"storage": "ok", "redis": "ok", "jobs": "ok"}
    assert reply.json["version"]


@pytest.mark.parametrize("failing", ["redis", "jobs"])
def test_ready_is_503_when_any_check_fails(failing: str) -> None:
    probes = {"redis": lambda: "ok", "jobs": lambda: "ok"}
    probes[failing] = lambda: "unreachable: somewhere"
    api = Api(probes=probes)

    reply = api.get("/ready", key=None)

    assert reply.status == 503
    assert reply.json["status"] == "not ready"
    assert reply.json["checks"][failing] == "unreachable: somewhere"
    assert api.get("/health", key=None).status == 200
