"""ops/docker-compose.yml describes the deployment the service is meant to run as.

No container engine is needed: the file is parsed and its services are checked
against the project itself (the Dockerfile it builds, the commands the CLI
accepts, the settings the service validates).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from inventory.config import Settings
from inventory.entrypoints.cli.main import build_parser
from tests.e2e.shell import REPO

COMPOSE = REPO / "ops" / "docker-compose.yml"
INVENTORY_SERVICES = ("migrate", "app", "app-green", "worker")
SLOTS = {"blue": "app", "green": "app-green"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return dict(compose["services"])


def interpolate(value: str) -> str:
    """A value as compose sees it with no variable set: every ``${VAR:-default}`` at its default."""
    return _VARIABLE.sub(lambda m: m.group(2) or "", value).replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    given = service.get("environment") or {}
    if isinstance(given, list):
        given = dict(item.split("=", 1) for item in given)
    return {name: interpolate(str(value)) for name, value in given.items()}


def image_entrypoint() -> list[str]:
    """The Dockerfile's ``ENTRYPOINT`` (exec form)."""
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    (found,) = re.findall(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.MULTILINE)
    entrypoint: list[str] = json.loads(found)
    return entrypoint


def parsed_command(service: dict[str, Any]) -> Any:
    """What the service's container runs (its entrypoint, else the image's, then its
    command) as ``inventory`` parses it (SystemExit if it would refuse it)."""
    argv = [*service.get("entrypoint", image_entrypoint()), *service.get("command", [])]
    assert argv[0] == "inventory"
    return build_parser().parse_args(argv[1:])


def test_every_inventory_service_is_built_from_the_project_dockerfile(
    services: dict[str, Any],
) -> None:
    for name in INVENTORY_SERVICES:
        build = services[name]["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == REPO, name
        assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name
        # One repository; each app slot has a tag of its own, so that a release
        # (ops/release) replaces the idle slot's image only.
        assert services[name]["image"].split(":")[0] == "localhost/inventory", name
    assert services["migrate"]["image"] == services["worker"]["image"]
    slot_images = {services[name]["image"] for name in SLOTS.values()}
    assert len(slot_images) == 2
    assert services["worker"]["image"] not in slot_images


def test_the_two_app_slots_differ_by_their_image_alone(services: dict[str, Any]) -> None:
    blue, green = ({**services[name], "image": None} for name in SLOTS.values())
    assert blue == green
    assert blue["restart"] == "unless-stopped"  # supervision: the runtime restarts a crash


def test_the_proxy_publishes_the_api_and_sends_it_to_the_live_slot(
    services: dict[str, Any],
) -> None:
    proxy = services["proxy"]
    assert [interpolate(port).rsplit(":", 1)[-1] for port in proxy["ports"]] == ["8080"]
    assert "ports" not in services["app"]  # only through the proxy
    assert proxy["restart"] == "unless-stopped"
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    config_dir = COMPOSE.parent / "proxy"
    assert "./proxy:/etc/nginx/proxy:ro" in proxy["volumes"]
    nginx = (config_dir / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"^\s*listen 8080;$", nginx, re.MULTILINE)
    assert "include /etc/nginx/live/slot.conf;" in nginx
    assert "proxy_pass http://live;" in nginx
    for slot, service in SLOTS.items():
        conf = (config_dir / f"{slot}.conf").read_text(encoding="utf-8")
        assert f"server {service}:8000;" in conf
        assert f"default {slot};" in conf
    # Before the first release the live slot is blue.
    assert "/etc/nginx/proxy/blue.conf /etc/nginx/live/slot.conf" in " ".join(proxy["command"])


def test_the_dockerfile_serves_on_the_port_the_proxy_sends_to(services: dict[str, Any]) -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert image_entrypoint() == ["inventory", "serve"]
    assert re.search(r"^EXPOSE 8000$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users, "the service must not run as root"
    assert users[-1].split(":")[0] not in ("0", "root")
    for name in SLOTS.values():
        assert parsed_command(services[name]).port == 8000, name


def test_app_serves_with_two_workers_and_leaves_the_jobs_to_the_worker(
    services: dict[str, Any],
) -> None:
    serve = parsed_command(services["app"])
    assert serve.handler.__name__ == "run_server"
    assert serve.host == "0.0.0.0"
    assert serve.no_jobs
    replicas = services["app"].get("deploy", {}).get("replicas", 1)
    assert serve.workers * replicas >= 2

    worker = parsed_command(services["worker"])
    assert worker.handler.__name__ == "run_worker"


def test_migrate_runs_once_and_the_others_wait_for_it_to_succeed(
    services: dict[str, Any],
) -> None:
    migrate = services["migrate"]
    assert parsed_command(migrate).handler.__name__ == "run_migrations"
    assert parsed_command(migrate).auto_migrate is False  # the command that only migrates
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name


def test_app_and_worker_start_once_postgres_and_redis_are_healthy(
    services: dict[str, Any],
) -> None:
    for name in ("app", "worker"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ("postgres", "redis", "app"):
        assert services[name]["healthcheck"]["test"], name


def test_postgres_keeps_its_data_in_a_named_volume_and_reports_readiness(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    named = [mount.split(":")[0] for mount in postgres["volumes"]]
    assert "pgdata" in named
    assert "pgdata" in compose["volumes"]
    assert any("/var/lib/postgresql/data" in mount for mount in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert set(environment(postgres)) >= {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}


def test_redis_keeps_nothing_on_disk_and_answers_ping(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    command = redis["command"]
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_inventory_services_talk_to_postgres_and_redis_by_service_name(
    services: dict[str, Any],
) -> None:
    postgres = environment(services["postgres"])
    for name in INVENTORY_SERVICES:
        env = environment(services[name])
        assert env["INVENTORY_DATABASE_URL"] == (
            f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        ), name
        assert env["INVENTORY_REDIS_URL"] == "redis://redis:6379/0", name
        assert env["INVENTORY_LOG_FORMAT"] == "json", name


def test_the_inventory_environment_at_its_defaults_is_accepted_by_the_service(
    services: dict[str, Any],
) -> None:
    known = {f"INVENTORY_{field.upper()}" for field in Settings.model_fields}
    for name in INVENTORY_SERVICES:
        env = {k: v for k, v in environment(services[name]).items() if k.startswith("INVENTORY_")}
        assert set(env) <= known, f"{name}: unknown settings {sorted(set(env) - known)}"
        values = {key.removeprefix("INVENTORY_").lower(): value for key, value in env.items()}
        Settings.model_validate(values)  # raises on a value start-up would refuse


def volume_holding(service: dict[str, Any], path: str) -> str | None:
    """The source of the mount that ``path`` is written to in the service's containers."""
    mounts = [mount.split(":")[:2] for mount in service.get("volumes", [])]
    holding = [
        (target, source)
        for source, target in mounts
        if path == target or path.startswith(target.rstrip("/") + "/")
    ]
    return max(holding)[1] if holding else None  # the deepest mount wins


def test_reports_need_no_directory_shared_by_app_and_worker(services: dict[str, Any]) -> None:
    # The worker stores a report in the database; the app serves its download from there.
    for name in ("app", "worker"):
        assert "INVENTORY_REPORTS_DIR" not in environment(services[name]), name


def test_app_and_worker_count_their_metrics_in_one_directory_they_share(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    # The app's /metrics sums every file there: the worker's jobs included.
    directory = environment(services["app"])["PROMETHEUS_MULTIPROC_DIR"]
    assert environment(services["worker"])["PROMETHEUS_MULTIPROC_DIR"] == directory
    volume = volume_holding(services["app"], directory)
    assert volume in compose["volumes"]
    assert volume_holding(services["worker"], directory) == volume


def test_every_variable_the_file_reads_is_documented_in_its_header() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    used = {match.group(1) for match in _VARIABLE.finditer(text)}
    assert used, "the file reads no variable at all?"
    undocumented = {name for name in used if not re.search(rf"^#\s+{name}\b", header, re.M)}
    assert not undocumented


def test_the_documented_first_key_command_is_one_the_cli_accepts() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "keys create" in line)
    args = line.split(" exec worker inventory ", 1)[1].split()
    parsed = build_parser().parse_args(args)
    assert (parsed.name, parsed.role) == ("admin", "admin")


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in ignored if line.strip() and not line.startswith("#")]
    # An allow-list: everything is out unless named, so a local .env, .venv or
    # *.db can never reach the image.
    assert rules[0] == "*"
    allowed = {rule.removeprefix("!").rstrip("/") for rule in rules if rule.startswith("!")}
    assert allowed >= {"pyproject.toml", "inventory"}
    assert not allowed & {".env", ".venv", ".git", "tests", "reports"}
    assert all(Path(REPO / name).exists() for name in allowed)
