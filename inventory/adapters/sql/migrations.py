"""Migration files shipped inside an adapter package: ``migrations/NNNN_name.sql``."""

from __future__ import annotations

import re
from importlib import resources

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
