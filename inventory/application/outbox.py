"""The outbox: messages kept in storage because they could not be sent as configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message that was kept instead of sent, and why.

    ``recipient`` is None when no address was configured to send it to;
    ``reason`` names the missing setting, so an operator knows what to fix.
    """

    id: str
    created_at: datetime
    recipient: str | None
    subject: str
    body: str
    reason: str
