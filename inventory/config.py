"""Settings from the environment (and a ``.env`` file), validated once at start-up."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_RATE = re.compile(r"^(off|[1-9]\d*/(second|minute|hour))$")
_SMTP = re.compile(r"^smtps?://[^/\s:]+(:\d{1,5})?/?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class ConfigError(Exception):
    """A bad setting: one line naming the variable and what is wrong."""


class Settings(BaseSettings):
    """Every ``INVENTORY_*`` variable of API.md §9, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="INVENTORY_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///inventory.db"
    cache: str = "memory"
    cache_ttl: Annotated[int, Field(ge=0, le=86_400)] = 30
    rate_limit: str = "600/minute"
    redis_url: str | None = None
    smtp_url: str | None = None
    smtp_from: str = "inventory@localhost"
    alert_email: str | None = None
    job_max_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "text"
    reports_dir: str = "reports"

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
            raise ValueError("must be smtp://host:port")
        return value

    @field_validator("alert_email", "smtp_from")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("must be an e-mail address")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(**overrides: Any) -> Settings:
    """The settings, or ``ConfigError`` naming the first bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        name = "INVENTORY_" + str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message} (got {error['input']!r})") from None
