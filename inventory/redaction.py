"""Secrets out of text that leaves the process: log lines, error reports, start-up errors."""

from __future__ import annotations

import re

# A password ends at the userinfo's "@"; a space or a slash first means there was none.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/@ \t\r\n]*@")
_API_KEY = re.compile(r"inv_[A-Za-z0-9_-]{8,}")
_BEARER = re.compile(r"(?i)(bearer\s+)[!-~]+")

REDACTED = "***"


def redact(text: str) -> str:
    """``text`` with URL passwords, API key secrets and bearer tokens replaced by ``***``."""
    # Every log line comes through here: a substring test first spares most of
    # them the regular expressions (bench/metrics.py measures the difference).
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\g<head>:{REDACTED}@", text)
    if "inv_" in text:
        text = _API_KEY.sub(f"inv_{REDACTED}", text)
    if "bearer" in text.lower():
        text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
    return text
