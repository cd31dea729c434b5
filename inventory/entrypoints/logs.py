"""How the long-running processes (server workers, job runners) write their log lines."""

from __future__ import annotations

import logging

from inventory.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def configure_logging(settings: Settings) -> None:
    """Text lines on stderr at the configured level."""
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, force=True)
