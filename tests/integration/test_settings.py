"""Settings: every variable of API.md §9, and one clear line for each bad value."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from inventory.bootstrap import bootstrap
from inventory.config import ConfigError, Settings, load_settings


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
    assert settings.expiry_warning_days == 30


def test_variables_and_a_dot_env_file_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("INVENTORY_CACHE_TTL=5\nINVENTORY_LOG_LEVEL=debug\n")
    monkeypatch.setenv("INVENTORY_RATE_LIMIT", "off")

    settings = load_settings()

    assert (settings.cache_ttl, settings.log_level, settings.rate_limit) == (5, "DEBUG", "off")


def test_a_variable_wins_over_the_dot_env_file_and_an_argument_over_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path(".env").write_text("INVENTORY_CACHE_TTL=5\nINVENTORY_CACHE=off\nINVENTORY_LOG_FORMAT\n")
    monkeypatch.setenv("INVENTORY_CACHE_TTL", "9")
    monkeypatch.setenv("inventory_rate_limit", "1/second")  # a name in any case, as before

    settings = load_settings(cache="memory")

    assert (settings.cache_ttl, settings.cache, settings.rate_limit) == (9, "memory", "1/second")
    assert settings.log_format == "text"  # a name without a value in .env sets nothing


def test_settings_made_in_code_take_only_what_they_are_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path(".env").write_text("INVENTORY_CACHE_TTL=5\n")
    monkeypatch.setenv("INVENTORY_RATE_LIMIT", "off")

    settings = Settings(database_url="memory://")

    assert (settings.cache_ttl, settings.rate_limit) == (30, "600/minute")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("INVENTORY_DATABASE_URL", "mysql://x", "must be sqlite:///PATH"),
        ("INVENTORY_CACHE", "disk", "must be memory, off, file:PATH or redis://"),
        ("INVENTORY_CACHE_TTL", "-1", "greater than or equal to 0"),
        ("INVENTORY_RATE_LIMIT", "5/day", "N/second, N/minute, N/hour or off"),
        ("INVENTORY_REDIS_URL", "localhost:6379", "must be redis://"),
        ("INVENTORY_SMTP_URL", "mail.example.com", "must be smtp://[user:password@]host:port"),
        ("INVENTORY_SENTRY_DSN", "sentry.example.com", "must be a Sentry DSN"),
        ("INVENTORY_ALERT_EMAIL", "nobody", "must be an e-mail address"),
        ("INVENTORY_SMTP_FROM", "x@", "must be an e-mail address"),
        ("INVENTORY_JOB_MAX_ATTEMPTS", "0", "greater than or equal to 1"),
        ("INVENTORY_EXPIRY_WARNING_DAYS", "-1", "greater than or equal to 0"),
        ("INVENTORY_EXPIRY_WARNING_DAYS", "a month", "valid integer"),
        ("INVENTORY_REPORT_MAX_BYTES", "100", "greater than or equal to 1024"),
        ("INVENTORY_REPORT_MAX_BYTES", "256MiB", "valid integer"),
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


def test_a_bad_url_is_named_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_SMTP_URL", "smtp://mailer:hunter2@mail:25/extra")

    with pytest.raises(ConfigError) as refused:
        load_settings()

    assert str(refused.value).startswith("INVENTORY_SMTP_URL: ")
    assert "hunter2" not in str(refused.value)
    assert "smtp://mailer:***@mail:25/extra" in str(refused.value)


def test_an_smtp_url_may_carry_a_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_SMTP_URL", "smtps://mailer:p%40ss@mail.example.com:465")

    assert load_settings().smtp_url == "smtps://mailer:p%40ss@mail.example.com:465"


# --- secrets from files (INVENTORY_X_FILE) ---------------------------------------


def test_a_secret_is_read_from_the_file_a_file_variable_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://app:s3cret@db:5432/inventory\n")
    monkeypatch.setenv("INVENTORY_DATABASE_URL_FILE", str(secret))
    dsn = tmp_path / "dsn"
    dsn.write_text("https://key@sentry.example.com/7")
    monkeypatch.setenv("INVENTORY_SENTRY_DSN_FILE", str(dsn))

    settings = load_settings()

    assert settings.database_url == "postgresql://app:s3cret@db:5432/inventory"
    assert settings.sentry_dsn == "https://key@sentry.example.com/7"


def test_a_file_value_is_validated_like_any_other(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "rate"
    secret.write_text("5/day\n")
    monkeypatch.setenv("INVENTORY_RATE_LIMIT_FILE", str(secret))

    with pytest.raises(ConfigError, match=r"^INVENTORY_RATE_LIMIT: must be N/second"):
        load_settings()


def test_a_file_variable_wins_over_the_dot_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    Path(".env").write_text("INVENTORY_CACHE_TTL=5\n")
    secret = tmp_path / "ttl"
    secret.write_text("7")
    monkeypatch.setenv("INVENTORY_CACHE_TTL_FILE", str(secret))

    assert load_settings().cache_ttl == 7


def test_a_value_and_a_file_for_one_variable_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "url"
    secret.write_text("sqlite:///other.db")
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "sqlite:///one.db")
    monkeypatch.setenv("INVENTORY_DATABASE_URL_FILE", str(secret))

    with pytest.raises(
        ConfigError, match="set INVENTORY_DATABASE_URL or INVENTORY_DATABASE_URL_FILE, not both"
    ):
        load_settings()


def test_an_unreadable_file_is_one_line_naming_the_file_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INVENTORY_SMTP_URL_FILE", str(tmp_path / "missing"))

    with pytest.raises(ConfigError) as refused:
        load_settings()

    assert str(refused.value) == (
        f"INVENTORY_SMTP_URL_FILE: cannot read {str(tmp_path / 'missing')!r}: "
        "No such file or directory"
    )


# --- .env.example ------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_the_example_environment_documents_every_setting() -> None:
    text = EXAMPLE.read_text()

    documented = set(re.findall(r"^#? ?(INVENTORY_[A-Z_]+)=", text, re.MULTILINE))
    settings = {f"INVENTORY_{name.upper()}" for name in Settings.model_fields}
    assert documented == settings


def test_the_example_environment_holds_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text(EXAMPLE.read_text())

    assert load_settings() == load_settings(env_file=None)


def test_the_old_reports_directory_is_accepted_ignored_and_named_by_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("INVENTORY_REPORTS_DIR", str(tmp_path / "reports"))
    services = bootstrap(load_settings(database_url="memory://"))

    with caplog.at_level(logging.WARNING, logger="inventory.jobs"):
        services.job_runner()

    assert "INVENTORY_REPORTS_DIR is no longer used" in caplog.text
    assert not (tmp_path / "reports").exists()
