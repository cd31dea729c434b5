"""Notifiers: e-mail through an SMTP server, or the outbox when mail is not configured."""

from inventory.adapters.notify.outbox import OutboxNotifier
from inventory.adapters.notify.smtp import SmtpDeliveryFailed, SmtpNotifier

__all__ = ["OutboxNotifier", "SmtpDeliveryFailed", "SmtpNotifier"]
