"""Settings from the environment, secret files and a ``.env`` file, validated once at start-up.

Read into a pydantic model by the few lines here, not by pydantic-settings, which
with the asyncio it imports cost each server worker 2.4 MiB:
docs/adr/0023-settings-without-pydantic-settings.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inventory.redaction import redact

PREFIX = "INVENTORY_"
ENV_FILE = ".env"

_RATE = re.compile(r"^(off|[1-9]\d*/(second|minute|hour))$")
_SMTP = re.compile(r"^smtps?://([^/\s@]+@)?[^/\s:@]+(:\d{1,5})?/?$")
_DSN = re.compile(r"^https?://[^/\s@]+@[^/\s@]+/[^\s]*\d+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class ConfigError(Exception):
    """A bad setting: one line naming the variable and what is wrong."""


class Settings(BaseModel):
    """Every ``INVENTORY_*`` variable of API.md §9, with its default; :func:`load_settings`
    reads them, and ``Settings(...)`` alone takes only what it is given."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    database_url: str = "sqlite:///inventory.db"
    cache: str = "memory"
    cache_ttl: Annotated[int, Field(ge=0, le=86_400)] = 30
    rate_limit: str = "600/minute"
    redis_url: str | None = None
    smtp_url: str | None = None
    smtp_from: str = "inventory@localhost"
    alert_email: str | None = None
    job_max_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    expiry_warning_days: Annotated[int, Field(ge=0, le=36_500)] = 30
    """How many days before a lot's expiry date its expiry alert is due (API.md §12)."""
    timezone: str = "UTC"
    """The IANA zone whose calendar dates expiry is judged by (API.md §12)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "text"
    reports_dir: str | None = None
    """Deprecated and ignored: reports are kept in the database (a warning says so when set)."""
    report_max_bytes: Annotated[int, Field(ge=1024, le=2**40)] = 256 * 1024 * 1024
    """The largest report a job may make; a larger one fails its job, saying so."""
    sentry_dsn: str | None = None
    """Report unhandled errors to this Sentry (or Sentry-compatible) project; off when unset."""
    sentry_environment: str = "production"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "memory://", "postgresql://", "postgres://")):
            raise ValueError("must be sqlite:///PATH, postgresql://... or memory://")
        return value

    @field_validator("cache")
    @classmethod
    def _known_cache(cls, value: str) -> str:
        if value not in ("memory", "off") and not value.startswith(
            ("file:", "redis://", "rediss://")
        ):
            raise ValueError("must be memory, off, file:PATH or redis://...")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if not _RATE.match(value):
            raise ValueError("must be N/second, N/minute, N/hour or off, e.g. 600/minute")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be redis://host:port/db")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str | None) -> str | None:
        if value is not None and not _SMTP.match(value):
            raise ValueError("must be smtp://[user:password@]host:port")
        return value

    @field_validator("sentry_dsn")
    @classmethod
    def _dsn(cls, value: str | None) -> str | None:
        if value is not None and not _DSN.match(value):
            raise ValueError("must be a Sentry DSN, https://KEY@HOST/PROJECT")
        return value

    @field_validator("alert_email", "smtp_from")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("must be an e-mail address")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone, e.g. UTC or Europe/Paris") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(*, env_file: str | None = ENV_FILE, **overrides: Any) -> Settings:
    """The settings, or ``ConfigError`` naming the first bad variable.

    Each value comes from the first of: ``overrides``, an ``INVENTORY_*`` variable
    (its name in any case), an ``INVENTORY_*_FILE`` secret file, the ``.env`` file
    in the working directory (``env_file``; None reads none).
    """
    values = {**_dot_env(env_file), **_secret_files(), **_variables(os.environ), **overrides}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        got = redact(repr(error["input"]))
        raise ConfigError(f"{name}: {message} (got {got})") from None


def _variables(variables: Mapping[str, str | None]) -> dict[str, str]:
    """The settings among ``variables``, by field name: ``INVENTORY_CACHE_TTL`` is ``cache_ttl``."""
    fields = Settings.model_fields
    values: dict[str, str] = {}
    for variable, value in variables.items():
        name = variable.lower().removeprefix(PREFIX.lower())
        if value is not None and name in fields and len(name) < len(variable):
            values[name] = value
    return values


def _dot_env(path: str | None) -> dict[str, str]:
    if path is None or not Path(path).is_file():
        return {}
    return _variables(dotenv_values(path))


def _secret_files() -> dict[str, str]:
    """``INVENTORY_X_FILE=PATH``: ``INVENTORY_X`` read from that file, as container secrets are.

    The file's content is the value, without its trailing newline. Setting both
    ``INVENTORY_X`` and ``INVENTORY_X_FILE`` is refused: which one wins would
    otherwise be a guess.
    """
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        variable = f"{PREFIX}{name.upper()}"
        path = os.environ.get(f"{variable}_FILE")
        if path is None:
            continue
        if variable in os.environ:
            raise ConfigError(f"{variable}_FILE: set {variable} or {variable}_FILE, not both")
        try:
            values[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ConfigError(f"{variable}_FILE: cannot read {path!r}: {reason}") from None
    return values
