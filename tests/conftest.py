"""Every test is marked by what it needs, so that a lane is a marker expression.

``e2e``: everything under tests/e2e (a real server, or the CLI in a process
of its own). ``postgres`` / ``redis``: a test parametrized onto that backend
(a ``"postgres"`` or ``"redis"`` parameter value), or marked so by its module.
``bench``: runs a benchmark script; deselected unless asked for (``-m bench``).
Under xdist, e2e tests are grouped (see below) so that a server is started once.

A test that reaches for PostgreSQL or Redis (``tests.postgres.server_url``,
``tests.integration.redis_server.redis_url``) without its marker fails,
saying so: the fast lane (``python3 dev.py test --fast``, which deselects
those markers) cannot drift into needing a server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import lanes

E2E = Path(__file__).resolve().parent / "e2e"
SERVICES = ("postgres", "redis")
"""Markers for the services a test needs, named as the parameters that select them."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        values = list(callspec.params.values()) if callspec is not None else []
        for service in SERVICES:
            if service in values:
                item.add_marker(service)
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            # Under xdist (--dist loadgroup), one worker runs a module's tests, which share
            # its server; and one runs every e2e test on Redis, whose servers would share
            # one Redis database (and its cache keys) if they ran at once.
            group = "redis" if item.get_closest_marker("redis") else item.path.stem
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    lanes.started(item)


SUMMARY = "summary"
"""A test's ``record_property(SUMMARY, text)`` is shown at the end of the run, passed or not."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Each recorded summary (how much a randomized check checked, say), so that CI logs it."""
    lines = [
        f"{report.nodeid}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and report.when == "call"
        for name, value in report.user_properties
        if name == SUMMARY
    ]
    if lines:
        terminalreporter.write_sep("-", "what the randomized checks checked")
        for line in lines:
            terminalreporter.write_line(line)
