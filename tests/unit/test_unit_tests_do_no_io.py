"""The guard of tests/unit/conftest.py: a unit test that reaches outside fails."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.conftest import UnitTestDidIO


def test_opening_a_file_fails_the_test() -> None:
    with pytest.raises(UnitTestDidIO, match="unit tests do no I/O"):
        open("anything.txt")  # noqa: SIM115
    with pytest.raises(UnitTestDidIO):
        io.open("anything.txt", "w")  # noqa: SIM115, UP020
    with pytest.raises(UnitTestDidIO):
        os.open("anything.txt", os.O_RDONLY)


def test_pathlib_reads_and_writes_fail_the_test() -> None:
    with pytest.raises(UnitTestDidIO):
        Path("anything.txt").write_text("no")
    with pytest.raises(UnitTestDidIO):
        Path("pyproject.toml").read_text()
    with pytest.raises(UnitTestDidIO):
        Path("a-new-directory").mkdir()


def test_network_access_fails_the_test() -> None:
    with pytest.raises(UnitTestDidIO):
        socket.create_connection(("127.0.0.1", 9))
    with socket.socket() as sock:
        with pytest.raises(UnitTestDidIO):
            sock.connect(("127.0.0.1", 9))
        with pytest.raises(UnitTestDidIO):
            sock.bind(("127.0.0.1", 0))


def test_sqlite_fails_the_test_even_in_memory() -> None:
    with pytest.raises(UnitTestDidIO):
        sqlite3.connect(":memory:")


def test_sleeping_fails_the_test() -> None:
    with pytest.raises(UnitTestDidIO):
        time.sleep(0)


def test_in_memory_text_streams_are_still_allowed() -> None:
    buffer = io.StringIO()

    buffer.write("sku,name\n")

    assert buffer.getvalue() == "sku,name\n"


@given(st.lists(st.integers(min_value=0, max_value=9), max_size=5))
def test_hypothesis_still_runs_under_the_guard(digits: list[int]) -> None:
    assert sum(digits) <= 45
