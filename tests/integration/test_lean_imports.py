"""A server worker loads the client libraries of PostgreSQL, Redis, diskcache and Sentry only
when its settings name them (docs/adr/0018-a-lean-read-path.md). Each case runs in a fresh
interpreter, since this one has imported them all already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

OPTIONAL = ("psycopg", "psycopg_pool", "redis", "diskcache", "sentry_sdk")

WORKER = """
import json, sys
from inventory.entrypoints.cli.main import main  # what `inventory serve` imports
from inventory.entrypoints.http.server import Server, ServerOptions
from inventory.config import Settings
settings = Settings(**json.loads(sys.argv[1]))
Server(settings, ServerOptions()).load()  # what each worker runs after the fork
print(json.dumps(sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)))
"""


def loaded_by_a_worker(tmp_path: Path, **settings: str) -> list[str]:
    """The optional libraries a worker serving with ``settings`` has imported."""
    return imported_by_a_worker(tmp_path, OPTIONAL, settings)


def imported_by_a_worker(
    tmp_path: Path, modules: tuple[str, ...], settings: dict[str, str]
) -> list[str]:
    """Which of ``modules`` a worker serving with ``settings`` has imported."""
    done = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(settings), json.dumps(modules)],
        cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_a_worker_on_sqlite_with_the_defaults_loads_none_of_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/inventory.db"

    assert loaded_by_a_worker(tmp_path, database_url=url, rate_limit="off") == []


@pytest.mark.parametrize(
    ("settings", "loaded"),
    [
        ({"cache": "file:CACHE"}, ["diskcache"]),
        ({"redis_url": "redis://127.0.0.1:1/0"}, ["redis"]),
        ({"sentry_dsn": "https://key@127.0.0.1:1/7"}, ["sentry_sdk"]),
    ],
)
def test_each_is_loaded_when_the_settings_name_it(
    tmp_path: Path, settings: dict[str, str], loaded: list[str]
) -> None:
    url = f"sqlite:///{tmp_path}/inventory.db"
    named = {k: v.replace("CACHE", str(tmp_path / "cache")) for k, v in settings.items()}

    assert loaded_by_a_worker(tmp_path, database_url=url, **named) == loaded


def test_a_worker_reads_its_settings_without_asyncio(tmp_path: Path) -> None:
    # What pydantic-settings imported, about 2.4 MiB a worker (docs/adr/0023-...).
    url = f"sqlite:///{tmp_path}/inventory.db"

    assert imported_by_a_worker(tmp_path, ("asyncio",), {"database_url": url}) == []
