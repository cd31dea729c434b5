"""Settings: every variable of API.md §9, and one clear line for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No INVENTORY_* from the outside, and no .env but the one a test writes.
    for name in list(__import__("os").environ):
        if name.startswith("INVENTORY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_defaults_run_on_sqlite_with_a_memory_cache() -> None:
    settings = load_settings()

    assert settings.database_url == "sqlite:///inventory.db"
    assert (settings.cache, settings.cache_ttl, settings.rate_limit) == ("memory", 30, "600/minute")
    assert (settings.job_max_attempts, settings.log_level, settings.log_format) == (
        5,
        "INFO",
        "text",
    )


def test_variables_and_a_dot_env_file_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("INVENTORY_CACHE_TTL=5\nINVENTORY_LOG_LEVEL=debug\n")
    monkeypatch.setenv("INVENTORY_RATE_LIMIT", "off")

    settings = load_settings()

    assert (settings.cache_ttl, settings.log_level, settings.rate_limit) == (5, "DEBUG", "off")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("INVENTORY_DATABASE_URL", "mysql://x", "must be sqlite:///PATH"),
        ("INVENTORY_CACHE", "disk", "must be memory, off, file:PATH or redis://"),
        ("INVENTORY_CACHE_TTL", "-1", "greater than or equal to 0"),
        ("INVENTORY_RATE_LIMIT", "5/day", "N/second, N/minute, N/hour or off"),
        ("INVENTORY_REDIS_URL", "localhost:6379", "must be redis://"),
        ("INVENTORY_SMTP_URL", "mail.example.com", "must be smtp://host:port"),
        ("INVENTORY_ALERT_EMAIL", "nobody", "must be an e-mail address"),
        ("INVENTORY_SMTP_FROM", "x@", "must be an e-mail address"),
        ("INVENTORY_JOB_MAX_ATTEMPTS", "0", "greater than or equal to 1"),
        ("INVENTORY_LOG_LEVEL", "LOUD", "Input should be"),
        ("INVENTORY_LOG_FORMAT", "xml", "Input should be"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as refused:
        load_settings()

    message = str(refused.value)
    assert message.startswith(f"{variable}: ")
    assert says in message
    assert repr(value) in message
    assert "\n" not in message


def test_good_values_of_the_optional_services_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("INVENTORY_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("INVENTORY_ALERT_EMAIL", "ops@example.com")
    monkeypatch.setenv("INVENTORY_CACHE", "file:/var/cache/inventory")

    settings = load_settings()

    assert settings.smtp_url == "smtp://127.0.0.1:2525"
    assert settings.cache == "file:/var/cache/inventory"
