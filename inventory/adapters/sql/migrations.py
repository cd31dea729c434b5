"""Migration files shipped inside an adapter package: ``migrations/NNNN_name.sql``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from inventory.domain.errors import Conflict

_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available_migrations(package: str) -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration in ``package``'s ``migrations`` folder, by version.

    Two files with one version number are a packaging mistake and raise RuntimeError.
    """
    folder = resources.files(package).joinpath("migrations")
    found: dict[int, tuple[int, str, str]] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        name = entry.name.removesuffix(".sql")
        if version in found:
            raise RuntimeError(
                f"two migrations share version {version}: {found[version][1]}, {name}"
            )
        found[version] = (version, name, entry.read_text(encoding="utf-8"))
    return [found[version] for version in sorted(found)]


Query = Callable[[str], Sequence[Sequence[Any]]]
"""Runs one SQL statement (no parameters) in the migration's transaction; its rows."""

# Every code that has another one equal to it ignoring case, grouped by that case.
_CODES_COLLIDING = (
    "SELECT {column} FROM {table} WHERE lower({column}) IN"
    " (SELECT lower({column}) FROM {table} GROUP BY lower({column}) HAVING count(*) > 1)"
    " ORDER BY lower({column}), {column}"
)


def check_before(name: str, query: Query) -> None:
    """Refuse to run migration ``name`` when the data it needs is not there.

    Called in the migration's own transaction, before its SQL. A migration
    whose check finds something raises :class:`Conflict` saying what to fix,
    and the migrator rolls back: the database is left as it was. Checks are
    keyed by the name after the version, the same in every dialect.
    """
    check = _CHECKS.get(name.partition("_")[2])
    if check is not None:
        check(name, query)


def _codes_unique_ignoring_case(name: str, query: Query) -> None:
    found = [
        f"{what} {_listed(group)}"
        for what, table, column in (
            ("skus", "products", "sku"),
            ("warehouse codes", "warehouses", "code"),
        )
        for group in _groups(
            [str(row[0]) for row in query(_CODES_COLLIDING.format(table=table, column=column))]
        )
    ]
    if found:
        raise Conflict(
            f"cannot make codes unique ignoring case (migration {name}), as these differ"
            f" only in case: {'; '.join(found)}. Rename all but one of each, then migrate again"
        )


def _groups(codes: list[str]) -> list[list[str]]:
    """``codes`` (sorted by their lower case) split into runs equal ignoring case."""
    groups: dict[str, list[str]] = {}
    for code in codes:
        groups.setdefault(code.lower(), []).append(code)
    return list(groups.values())


def _listed(codes: list[str]) -> str:
    return f"{', '.join(codes[:-1])} and {codes[-1]}"


_CHECKS: dict[str, Callable[[str, Query], None]] = {
    "codes_unique_ignoring_case": _codes_unique_ignoring_case,
}
