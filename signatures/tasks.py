"""Celery tasks: thin wrappers that take an id and call a service."""

import logging
import random

from celery import shared_task
from django.conf import settings

from letter.models import Letter

from .services import downloads, outbox, signing, updates

logger = logging.getLogger(__name__)

MAX_RETRIES = 8


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter, capped: base, 2x base, 4x base ... up to 15 minutes."""
    base = settings.EMAIL_RETRY_BASE_SECONDS
    return min(base * 2**retries, 900) * random.uniform(0.8, 1.2)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def send_email(self, outgoing_id: int) -> str:
    """Send one outbox email. Safe to run twice: the service sends a queued email only once.

    SMTP and network errors are retried with backoff; after the last retry the email and its
    signature are marked failed for moderators. A recipient the server refuses outright is not
    retried.
    """
    try:
        return outbox.outgoing_email_send(outgoing_id=outgoing_id)
    except outbox.PERMANENT_EMAIL_ERRORS as exc:
        outbox.outgoing_email_record_failure(outgoing_id=outgoing_id, error=repr(exc), final=True)
        return "failed"
    except outbox.TRANSIENT_EMAIL_ERRORS as exc:
        final = self.request.retries >= self.max_retries
        outbox.outgoing_email_record_failure(outgoing_id=outgoing_id, error=repr(exc), final=final)
        if final:
            return "failed"
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task(acks_late=True)
def send_emails(outgoing_ids: list[int]) -> int:
    """Send many outbox emails (after a bulk approval). Each that fails for a passing reason is
    handed to `send_email` for its own retries. Returns how many were sent now."""
    sent = 0
    for outgoing_id in outgoing_ids:
        try:
            sent += outbox.outgoing_email_send(outgoing_id=outgoing_id) == "sent"
        except outbox.TRANSIENT_EMAIL_ERRORS as exc:
            outbox.outgoing_email_record_failure(outgoing_id=outgoing_id, error=repr(exc), final=False)
            send_email.apply_async((outgoing_id,), countdown=retry_delay(0))
    return sent


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Beat task with OUTBOX_RELAY on, every OUTBOX_RELAY_SECONDS: hand new emails to the broker."""
    return outbox.outbox_relay()


@shared_task
def sweep_outbox() -> int:
    """Beat task: publish queued emails that no worker is looking after."""
    return outbox.outbox_sweep()


@shared_task(ignore_result=True)
def send_updates() -> int:
    """Beat task, every minute: queue the next UPDATES_PER_MINUTE update emails."""
    return updates.updates_send_batch()


@shared_task
def erase_unconfirmed() -> int:
    """Beat task: erase pending signatures whose link expired long ago."""
    return signing.signatures_erase_unconfirmed()


@shared_task
def refresh_downloads(letter_id: int | None = None) -> int:
    """Write the list's download files where the current list has none: for one letter (a
    download found its file behind), or every published letter (beat, every few seconds)."""
    letters = Letter.objects.published() if letter_id is None else Letter.objects.filter(pk=letter_id)
    return sum(downloads.downloads_refresh(letter=letter) for letter in letters)
