"""Metrics files across a fork: a forked worker writes its counts under its own name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import values

from inventory.adapters.metrics import DIRECTORY_VARIABLE, PrometheusMetrics, process_identifier
from tests.forking import in_a_forked_child


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_counts_in_a_file_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # File-backed values are a switch for the whole process: undone after this test.
    monkeypatch.setattr(values, "ValueClass", values.ValueClass)
    monkeypatch.setenv(DIRECTORY_VARIABLE, str(tmp_path))
    metrics = PrometheusMetrics(str(tmp_path))
    metrics.cache_lookup(True)  # the parent's file, made before the fork

    def count_and_name() -> str:
        metrics.cache_lookup(True)
        return process_identifier()

    child, childs = in_a_forked_child(count_and_name)

    assert process_identifier().endswith(f"-{os.getpid()}")
    assert childs.endswith(f"-{child}")
    written = sorted(path.name for path in tmp_path.glob("counter_*.db"))
    assert written == sorted(f"counter_{name}.db" for name in (process_identifier(), childs))
    exposed = metrics.exposition()[0].decode()
    assert 'inventory_cache_requests_total{result="hit"} 2.0' in exposed
