"""The outbox: every email to a signer is a row written in the transaction that calls for it,
then handed to Celery by id. The row is the source of truth, so a broker outage loses nothing."""

import hashlib
import logging
import smtplib
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from freefable.cache import bump

from ..emails import build_signature_email
from ..models import OutgoingEmail, Signature

logger = logging.getLogger(__name__)

Status = Signature.Status
Kind = OutgoingEmail.Kind

# Errors worth another try later; anything else is a bug and is left to surface.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused,)


def _task(name: str):
    """The Celery task `signatures.tasks.<name>`, looked up by name: tasks.py imports this module,
    so importing it back would make a cycle. SignaturesConfig.ready() registers the tasks, and a
    registered task honours CELERY_TASK_ALWAYS_EAGER (`make run` sends in-process)."""
    return current_app.tasks[f"signatures.tasks.{name}"]


def _publish(outgoing_id: int) -> None:
    """Hand an outbox row to Celery. A broker outage is logged, not raised: the row stays queued
    and `outbox_sweep` publishes it again, so the signer's request still succeeds."""
    try:
        _task("send_email").delay(outgoing_id)
    except Exception:  # kombu raises many types for "broker unreachable"
        logger.exception("could not enqueue email %s; the outbox sweep will send it", outgoing_id)


def outgoing_email_queue(*, signature: Signature, kind: str) -> OutgoingEmail | None:
    """Write an email to the outbox and publish it once the transaction commits.

    Does nothing when the signature has had its share of emails (MAX_EMAILS_PER_SIGNATURE),
    when the same kind of email is already waiting (links and details are rendered at send
    time, so the waiting one already carries them), or went out less than
    EMAIL_RESEND_COOLDOWN seconds ago (also when the details changed: an owner whose address
    someone else used gets a link for their own details by signing again after the cooldown,
    or from the out-of-date link's page). Signers' emails are also capped
    per mailbox and per network per day (`_within_daily_caps`): repeated clicks, or someone
    hammering the form with another person's address and its variants, make a few emails,
    not a flood.
    """
    if signature.emails.count() >= settings.MAX_EMAILS_PER_SIGNATURE:
        logger.info("signature %s reached the email cap; not sending %s", signature.pk, kind)
        return None
    recent = timezone.now() - timedelta(seconds=settings.EMAIL_RESEND_COOLDOWN)
    waiting = Q(status=OutgoingEmail.Status.QUEUED) | Q(created_at__gt=recent)
    if signature.emails.filter(kind=kind).filter(waiting).exists():
        return None
    if kind in SIGNER_REQUESTED and not within_daily_caps(
        email_base=signature.email_base, network_hash=signature.network_hash
    ):
        logger.warning("daily email cap reached for signature %s; not sending %s", signature.pk, kind)
        return None
    outgoing = OutgoingEmail.objects.create(signature=signature, kind=kind)
    hand_over([outgoing.pk])
    return outgoing


def hand_over(outgoing_ids: list[int]) -> None:
    """Give new outbox rows to Celery once their transaction commits, or, with OUTBOX_RELAY on,
    leave them to `outbox_relay`: the request then never waits for the broker."""
    if not outgoing_ids or settings.OUTBOX_RELAY:
        return
    if len(outgoing_ids) == 1:
        transaction.on_commit(partial(_publish, outgoing_ids[0]))
    else:
        transaction.on_commit(partial(publish_many, outgoing_ids))


def outbox_relay(*, limit: int = 2000) -> int:
    """Hand the broker the emails written since the last run (a beat task, every
    OUTBOX_RELAY_SECONDS). Rows are marked in the same transaction that picks them, skipping rows
    another relay holds, so no two relays hand the same row; a publish that fails after the
    mark leaves the row to `outbox_sweep`, so nothing is lost. Returns how many."""
    with transaction.atomic():
        ids = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutgoingEmail.Status.QUEUED, published_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutgoingEmail.objects.filter(pk__in=ids).update(published_at=timezone.now())
    if len(ids) == 1:
        _publish(ids[0])
    else:
        publish_many(ids)
    return len(ids)


# Emails that anyone can cause by typing an address into the sign form.
SIGNER_REQUESTED = (Kind.CONFIRM, Kind.ALREADY_SIGNED)


def within_daily_caps(*, email_base: str, network_hash: str) -> bool:
    """Count one email against its mailbox's (the email base: no +tag, no quotes) and its
    network's allowance for the day; False once either is spent. The counters live in the
    cache (one round trip each); when it is down they let the email through, and the
    per-signature cap still holds."""
    day = timezone.now().date().isoformat()
    limits = [("base", email_base, settings.EMAILS_PER_ADDRESS_PER_DAY)]
    if network_hash:
        limits.append(("net", network_hash, settings.EMAILS_PER_NETWORK_PER_DAY))
    for kind, value, limit in limits:
        count = bump(f"emailcap:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}:{day}", 2 * 24 * 3600)
        if count is not None and count > limit:
            return False
    return True


def _email_still_wanted(outgoing: OutgoingEmail) -> bool:
    status = outgoing.signature.status
    if outgoing.kind == Kind.CONFIRM:
        return status == Status.PENDING
    if outgoing.kind == Kind.APPROVED:
        return status == Status.APPROVED
    if outgoing.kind == Kind.UPDATE:  # consent and unsubscription checked again at send time
        signature = outgoing.signature
        return (
            status in (Status.VERIFIED, Status.APPROVED)
            and signature.updates_consent_at is not None
            and signature.updates_unsubscribed_at is None
        )
    return status != Status.WITHDRAWN


def outgoing_email_send(*, outgoing_id: int) -> str:
    """Send one outbox email, at most once.

    The row is locked while sending, so a duplicated or retried task waits and then finds it
    sent. Raises the mail backend's error when sending fails (the task decides on a retry).
    Returns what happened: "sent", "skipped" (gone or not queued) or "cancelled" (no longer
    needed, e.g. the signer confirmed or withdrew meanwhile).
    """
    with transaction.atomic():
        outgoing = (
            OutgoingEmail.objects.select_for_update(of=("self",))
            .select_related("signature__letter", "signature__version", "update")
            .filter(pk=outgoing_id)
            .first()
        )
        if outgoing is None or outgoing.status != OutgoingEmail.Status.QUEUED:
            return "skipped"
        if not _email_still_wanted(outgoing):
            outgoing.status = OutgoingEmail.Status.CANCELLED
            outgoing.save(update_fields=["status"])
            return "cancelled"
        build_signature_email(outgoing.kind, outgoing.signature, update=outgoing.update).send()
        outgoing.status = OutgoingEmail.Status.SENT
        outgoing.sent_at = timezone.now()
        outgoing.attempts += 1
        outgoing.last_attempt_at = outgoing.sent_at
        outgoing.last_error = ""
        outgoing.save(update_fields=["status", "sent_at", "attempts", "last_attempt_at", "last_error"])
        return "sent"


def outgoing_email_record_failure(*, outgoing_id: int, error: str, final: bool) -> None:
    """Note a failed attempt; on the last one mark the email, and its signature, as failed so a
    moderator sees that this signer never got their link."""
    with transaction.atomic():
        outgoing = OutgoingEmail.objects.select_for_update().filter(pk=outgoing_id).first()
        if outgoing is None or outgoing.status != OutgoingEmail.Status.QUEUED:
            return
        outgoing.attempts += 1
        outgoing.last_attempt_at = timezone.now()
        outgoing.last_error = error[:500]
        fields = ["attempts", "last_attempt_at", "last_error"]
        if final:
            outgoing.status = OutgoingEmail.Status.FAILED
            fields.append("status")
            Signature.objects.filter(pk=outgoing.signature_id).update(email_failed=True)
        outgoing.save(update_fields=fields)
    logger.warning(
        "email %s failed (attempt %s%s): %s", outgoing_id, outgoing.attempts, ", final" if final else "", error
    )


def outbox_sweep(
    *, stale_after: timedelta = timedelta(minutes=2), silent_after: timedelta = timedelta(hours=1), limit: int = 1000
) -> int:
    """Publish again the queued emails that no worker is looking after: never attempted after
    `stale_after` (the broker was down when they were written, or their worker died mid-send,
    which rolls the attempt back), or retrying but silent for `silent_after` (the broker lost
    the retry). Emails in a live retry chain are left to it, so an SMTP outage does not
    multiply tasks. Sending is idempotent, so a duplicate is harmless. Returns how many."""
    now = timezone.now()
    ids = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED)
        .filter(
            Q(attempts=0, created_at__lt=now - stale_after) | Q(attempts__gt=0, last_attempt_at__lt=now - silent_after)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        _publish(pk)
    if ids:
        logger.info("outbox sweep published %d email(s)", len(ids))
    return len(ids)


def publish_many(outgoing_ids: list[int], chunk: int = 200) -> None:
    """Hand many outbox rows to Celery in a few messages rather than one each."""
    for start in range(0, len(outgoing_ids), chunk):
        part = outgoing_ids[start : start + chunk]
        try:
            _task("send_emails").delay(part)
        except Exception:
            logger.exception("could not enqueue %d emails; the outbox sweep will send them", len(part))
