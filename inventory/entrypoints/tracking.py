"""Error tracking: unhandled errors to Sentry when ``INVENTORY_SENTRY_DSN`` is set.

The exception, release, environment and request id, method and route; nothing
of the request, and every string redacted. See docs/operating.md#errors.
sentry-sdk is imported only when a DSN is set (docs/adr/0018-a-lean-read-path.md).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from inventory import __version__
from inventory.config import Settings
from inventory.redaction import redact

log = logging.getLogger("inventory.tracking")


def configure_error_tracking(settings: Settings) -> bool:
    """Start sending unhandled errors, when a DSN is set; whether it is."""
    if settings.sentry_dsn is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.argv import ArgvIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=f"inventory@{__version__}",
        environment=settings.sentry_environment,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        auto_enabling_integrations=False,
        # Log lines are neither events nor breadcrumbs: the errors worth an
        # event are reported by :func:`report_error`, where they happen.
        integrations=[LoggingIntegration(level=None, event_level=None)],
        disabled_integrations=[ArgvIntegration()],
        before_send=_scrubbed,
    )
    log.info("unhandled errors go to Sentry (environment %s)", settings.sentry_environment)
    return True


def report_error(exc: BaseException, request_id: str | None, method: str, route: str) -> None:
    """Send one unhandled error of a request, tagged with its id (a no-op without a DSN)."""
    sentry_sdk = _initialized()
    if sentry_sdk is None:
        return
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("request_id", request_id or "-")
        scope.set_tag("route", route)
        scope.set_tag("method", method)
        sentry_sdk.capture_exception(exc)


def flush(timeout: float = 2.0) -> None:
    """Wait (briefly) until the errors reported are sent: before a process exits."""
    sentry_sdk = _initialized()
    if sentry_sdk is not None:
        sentry_sdk.flush(timeout)


def _initialized() -> Any:
    """The ``sentry_sdk`` module once it sends errors, else None (it is never imported here)."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is None or not sentry_sdk.is_initialized():
        return None
    return sentry_sdk


def _scrubbed(event: Any, hint: Any) -> Any:
    event.pop("request", None)
    event.pop("breadcrumbs", None)
    return _redacted(event)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value
