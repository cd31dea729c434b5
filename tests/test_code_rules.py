"""Rules the service's code keeps, checked by reading its source.

One name, one thing: no two classes or type aliases of the service share a name.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPE_NAME = re.compile(r"_?[A-Z][a-z]\w*$")
"""``Progress``, ``MovementCommand``: a class or alias name, not a CONSTANT."""


def type_names(module: ast.Module) -> list[str]:
    """The classes and type aliases ``module`` defines at its top level."""
    names = []
    for node in module.body:
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name) and TYPE_NAME.match(t.id)]
    return names


def test_no_two_classes_or_type_aliases_share_a_name() -> None:
    where: defaultdict[str, list[str]] = defaultdict(list)
    for path in sorted((ROOT / "inventory").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for name in type_names(module):
            where[name].append(str(path.relative_to(ROOT)))

    shared = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert shared == {}, "give each thing its own name"


MEMORY_REPOSITORIES = {
    "MemoryProductRepository": "catalog",
    "MemoryWarehouseRepository": "catalog",
    "MemoryLocationRepository": "locations",
    "MemoryStockRepository": "stock",
    "MemoryLotRepository": "lots",
    "MemoryMovementRepository": "movements",
    "MemoryOrderRepository": "orders",
    "MemoryApiKeyRepository": "keys",
    "MemoryIdempotencyRepository": "idempotency",
    "MemoryJobRepository": "jobs",
    "MemoryOutboxRepository": "outbox",
    "MemoryReportResultRepository": "report_results",
}


def test_each_memory_repository_lives_where_its_sqlite_twin_does() -> None:
    store = importlib.import_module("inventory.adapters.memory.store")
    uow = store.MemoryStore().unit_of_work()
    found = {type(repo).__name__: type(repo).__module__ for repo in vars(uow).values()}
    twins = {
        name: f"inventory.adapters.memory.{module}" for name, module in MEMORY_REPOSITORIES.items()
    }

    assert {name: found.get(name) for name in twins} == twins
    for module in set(MEMORY_REPOSITORIES.values()):
        twin = [
            ROOT / "inventory/adapters" / adapter / f"{module}.py" for adapter in ("sqlite", "sql")
        ]
        assert any(path.exists() for path in twin), module  # or SQL written once for both


def test_sql_written_once_for_both_databases_takes_its_placeholders_from_the_dialect() -> None:
    found = []
    for path in sorted((ROOT / "inventory/adapters").rglob("*.py")):
        shared = path.parent.name == "sql"
        module = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.value) for n in ast.walk(module) if isinstance(n, ast.Expr)}
        for node in ast.walk(module):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            if id(node) in docs:
                continue
            if shared and re.search(r"= \?|= %s|\(\?|\(%s", node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
        source = path.read_text(encoding="utf-8")
        if '.replace("%s"' in source or ".replace('%s'" in source:
            found.append(f"{path.relative_to(ROOT)}: rewrites placeholders")

    assert found == [], "shared SQL takes Dialect.mark / Dialect.marks()"


def imported_modules(path: Path) -> set[str]:
    """The ``inventory`` modules a file imports, those under ``if TYPE_CHECKING:`` too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("inventory.")}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle found by a depth-first walk of ``graph`` (module -> modules it imports)."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        if module in path:
            cycles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        path.append(module)
        for imported in sorted(graph.get(module, set())):
            visit(imported)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    return cycles


def test_no_two_modules_import_each_other_even_for_type_checking() -> None:
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (ROOT / "inventory").rglob("*.py")
    }
    graph = {
        name: imported_modules(path) & modules.keys() - {name} for name, path in modules.items()
    }

    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert import_cycles(graph) == [], "move the shared types to a module both can import"


def test_ops_stays_under_a_thousand_lines_besides_the_compose_and_prometheus_files() -> None:
    counted = [
        path
        for path in (ROOT / "ops").rglob("*")
        if path.is_file()
        and path.suffix != ".yml"
        and "prometheus" not in path.parts
        and "__pycache__" not in path.parts  # bytecode a run of ops/smoke may leave
    ]
    lines = sum(len(path.read_bytes().splitlines()) for path in counted)

    assert ROOT / "ops" / "release" in counted
    assert lines < 1000, f"ops/ has {lines} lines: keep deployment small (docs/deploying.md)"
