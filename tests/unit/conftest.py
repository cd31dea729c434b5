"""Unit tests run on the memory twins: no file, no socket, no SQLite, no sleeping.

While a unit test runs, every way out to the outside world below raises
:class:`UnitTestDidIO`, so a test that drifts into I/O fails loudly instead of
becoming slow or flaky. Collection and reporting are unaffected: the guard is
installed by an autouse fixture and removed when the test ends.
"""

from __future__ import annotations

import builtins
import io
import os
import socket
import sqlite3
import sys
import sysconfig
import time
from collections.abc import Callable
from types import FrameType

import _pytest
import hypothesis
import pytest
from hypothesis import settings

from inventory.adapters.memory import MemoryStore
from tests.factories import FixedClock, SequentialIds, SequentialSecrets
from tests.unit.stories import Shop

# Hypothesis keeps its example database under .hypothesis/; unit tests keep nothing.
settings.register_profile("unit", database=None, deadline=None)
settings.load_profile("unit")

_FILESYSTEM_FIXTURES = frozenset({"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory"})


class UnitTestDidIO(RuntimeError):
    """A unit test reached for the filesystem, the network, SQLite or a real sleep."""


_STDLIB = sysconfig.get_paths()["stdlib"]
_TOOLS = tuple(os.path.dirname(str(tool.__file__)) + os.sep for tool in (hypothesis, _pytest))


def _tool_bookkeeping() -> bool:
    """Whether the I/O is an import, or the test tools' own, rather than the test's.

    Loading code reads files, and hypothesis and pytest keep caches; neither is
    the test touching the world. The first frame outside the standard library
    says who asked.
    """
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen importlib") or filename.startswith(_TOOLS):
            return True
        in_stdlib = filename.startswith(_STDLIB) and "-packages" not in filename
        if not (in_stdlib or filename.startswith("<")):
            return False
        frame = frame.f_back
    return False


def _refuse(original: Callable[..., object], what: str) -> Callable[..., object]:
    def refused(*args: object, **kwargs: object) -> object:
        if _tool_bookkeeping():
            return original(*args, **kwargs)
        raise UnitTestDidIO(
            f"unit tests do no I/O, but this one called {what}; use the memory twins"
            " (MemoryStore, FixedClock, io.StringIO), or move it to tests/integration"
        )

    return refused


GUARDED: list[tuple[object, str, str]] = [
    (builtins, "open", "open()"),
    (io, "open", "io.open()"),
    (os, "open", "os.open()"),
    (os, "mkdir", "os.mkdir()"),
    (os, "remove", "os.remove()"),
    (os, "unlink", "os.unlink()"),
    (os, "rename", "os.rename()"),
    (os, "replace", "os.replace()"),
    (socket.socket, "connect", "socket.connect()"),
    (socket.socket, "connect_ex", "socket.connect_ex()"),
    (socket.socket, "bind", "socket.bind()"),
    (socket, "create_connection", "socket.create_connection()"),
    (socket, "getaddrinfo", "socket.getaddrinfo()"),
    (sqlite3, "connect", "sqlite3.connect()"),
    (time, "sleep", "time.sleep()"),
]


@pytest.fixture(autouse=True)
def _no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    # monkeypatch puts every original back when the test is over.
    for owner, name, what in GUARDED:
        monkeypatch.setattr(owner, name, _refuse(getattr(owner, name), what))


def pytest_runtest_setup(item: pytest.Item) -> None:
    used = _FILESYSTEM_FIXTURES & set(getattr(item, "fixturenames", ()))
    if used:
        pytest.fail(
            f"unit tests do no I/O, but {item.name} asks for {', '.join(sorted(used))};"
            " tests that need files belong in tests/integration",
            pytrace=False,
        )


@pytest.fixture
def shop() -> Shop:
    """An empty inventory on the memory store, with a fixed clock and sequential ids."""
    return Shop(MemoryStore(), FixedClock(), SequentialIds(), SequentialSecrets())
