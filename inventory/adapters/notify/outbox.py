"""The notifier used when mail is not configured: log the message and keep it in the outbox."""

from __future__ import annotations

import logging

from inventory.application.alerts import keep_in_outbox
from inventory.application.outbox import OutboxMessage
from inventory.application.ports import Clock, IdGenerator, UnitOfWorkFactory

log = logging.getLogger("inventory.notify")


class OutboxNotifier:
    """Keeps every message in the ``outbox`` table and logs it at WARNING, sending nothing.

    ``reason`` says why nothing is sent (the missing setting); it is logged and
    stored with each message. An empty ``to`` means no address was configured.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, new_id: IdGenerator, reason: str
    ) -> None:
        self._uow, self._clock, self._new_id = uow, clock, new_id
        self.reason = reason

    def send(self, to: str, subject: str, body: str) -> None:
        """Store the message; a storage failure raises, so the job is retried."""
        message = OutboxMessage(
            self._new_id(), self._clock(), to or None, subject, body, self.reason
        )
        keep_in_outbox(message, self._uow())
        log.warning(
            "not sent (%s), kept in the outbox as %s: to %s: %s",
            self.reason,
            message.id,
            to or "nobody",
            subject,
        )
