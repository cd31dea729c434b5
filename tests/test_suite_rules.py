"""Rules the test suite keeps about itself, checked by reading its source.

A test that fails turns red: no handler turns an exception into a skip. Every
package the tests, benchmarks and CI scripts import is declared in
pyproject.toml, not merely installed along with something else. And no test
waits a fixed time: it polls a condition against a deadline, or moves a clock
it was given.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_SOURCES = ("tests", "bench", ".ci")


def sources(*roots: str) -> Iterator[tuple[Path, ast.Module]]:
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


def calls_named(node: ast.AST, name: str) -> Iterator[ast.Call]:
    """Every call of ``name`` or ``something.name`` under ``node``."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            called = call.func
            if (isinstance(called, ast.Name) and called.id == name) or (
                isinstance(called, ast.Attribute) and called.attr == name
            ):
                yield call


def test_no_test_turns_an_exception_into_a_skip() -> None:
    found = []
    for path, module in sources("tests"):
        for node in ast.walk(module):
            if isinstance(node, ast.ExceptHandler):
                found += [f"{path}:{call.lineno}" for call in calls_named(node, "skip")]
        found += [f"{path}:{call.lineno}" for call in calls_named(module, "importorskip")]

    assert found == [], "a missing module or a refusal must fail the test, not skip it"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    """The distributions pyproject.toml names: the service's and the dev extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {re.match(r"[A-Za-z0-9._-]+", requirement) for requirement in requirements}
    return {_normalized(name.group()) for name in names if name} | {_normalized(project["name"])}


def imported_modules(*roots: str) -> dict[str, str]:
    """Each top-level module imported under ``roots`` (absolute imports), with where first."""
    found: dict[str, str] = {}
    for path, module in sources(*roots):
        for node in ast.walk(module):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.partition(".")[0], f"{path}:{node.lineno}")
    return found


def test_every_package_the_tests_benchmarks_and_ci_import_is_declared() -> None:
    declared = declared_distributions()
    local = {path.stem for root in PYTHON_SOURCES for path in (ROOT / root).glob("*.py")}
    local |= {"tests", "inventory"}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for module, where in imported_modules(*PYTHON_SOURCES).items():
        if module in sys.stdlib_module_names or module in local:
            continue
        distributions = {_normalized(name) for name in providers.get(module, [])}
        if not distributions & declared:
            undeclared[module] = (where, sorted(distributions) or "not installed")

    assert undeclared == {}, "add these to pyproject.toml's dev extra"


def _fixed_sleeps(module: ast.Module) -> Iterator[int]:
    """Lines of ``time.sleep`` / ``asyncio.sleep`` calls outside a ``while`` loop."""

    def visit(node: ast.AST, polling: bool) -> Iterator[int]:
        for child in ast.iter_child_nodes(node):
            inside = polling or isinstance(child, ast.While)
            if isinstance(child, ast.Call) and not inside:
                called = child.func
                if isinstance(called, ast.Attribute) and called.attr == "sleep":
                    yield child.lineno
            yield from visit(child, inside)

    yield from visit(module, False)


ALLOWED_SLEEPS = {
    # The guard's own test: sleeping in a unit test must raise.
    "tests/unit/test_unit_tests_do_no_io.py",
}


WORK = "# work, not a wait"
"""Ends the line of a sleep that stands for slow work (a handler taking its time), which a
test then waits for by a sign, not by the clock."""


def test_no_test_waits_a_fixed_time() -> None:
    found = []
    for path, module in sources("tests"):
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        if str(path) not in ALLOWED_SLEEPS:
            found += [
                f"{path}:{n}" for n in _fixed_sleeps(module) if not lines[n - 1].endswith(WORK)
            ]

    assert found == [], "poll a condition against a deadline, or inject a clock"


def test_every_factory_is_used() -> None:
    (factories,) = (module for path, module in sources("tests") if path.name == "factories.py")
    defined = {
        node.name
        for node in factories.body
        if isinstance(node, ast.ClassDef) and node.name.endswith("Factory")
    }
    used = {
        node.id
        for path, module in sources("tests")
        for node in ast.walk(module)
        if isinstance(node, ast.Name) and node.id in defined
    }

    assert sorted(defined - used) == [], "use these factories, or delete them"


WAITING_HELPERS = {"free_port", "wait_for", "wait_ready", "wait_until_ready", "_wait"}


def test_ports_and_readiness_come_from_one_helper_module() -> None:
    found = []
    for path, module in sources(*PYTHON_SOURCES):
        if path == Path("tests/waiting.py"):
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef) and node.name in WAITING_HELPERS:
                found.append(f"{path}:{node.lineno} {node.name}")

    assert found == [], "use tests/waiting.py (free_port, wait_for, wait_ready)"
