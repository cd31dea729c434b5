"""A stored report's record: what the report-result port stores and the use cases read.

See docs/adr/0007-reports-kept-in-the-database.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReportResult:
    """One report as stored: ``size`` and ``chunks`` are known once it is complete."""

    id: str
    job_id: str
    content_type: str
    filename: str
    created_at: datetime
    size: int | None = None
    """Bytes in all; None while the report is still being written (or was never finished)."""
    chunks: int = 0

    @property
    def complete(self) -> bool:
        return self.size is not None
