"""Every write to signatures goes through here: one function per action, one transaction each."""

import logging
import smtplib
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from letter.models import Letter

from .emails import build_signature_email
from .models import OutgoingEmail, Signature
from .selectors import forget_public_count

logger = logging.getLogger(__name__)

Status = Signature.Status
Kind = OutgoingEmail.Kind


def email_normalize(email: str) -> str:
    """The form of an email that decides "same signer": NFKC, trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", email).strip().lower()


# --- Outbox -----------------------------------------------------------------------------------


def _publish(outgoing_id: int) -> None:
    """Hand an outbox row to Celery. A broker outage is logged, not raised: the row stays queued
    and `outbox_sweep` publishes it again, so the signer's request still succeeds."""
    from .tasks import send_email  # tasks import this module

    try:
        send_email.delay(outgoing_id)
    except Exception:  # kombu raises many types for "broker unreachable"
        logger.exception("could not enqueue email %s; the outbox sweep will send it", outgoing_id)


def outgoing_email_queue(*, signature: Signature, kind: str) -> OutgoingEmail | None:
    """Write an email to the outbox and publish it once the transaction commits.

    Does nothing when the signature has had its share of emails (MAX_EMAILS_PER_SIGNATURE),
    when the same kind of email is already waiting (links are made at send time, so the
    waiting one already carries a fresh link), or went out less than EMAIL_RESEND_COOLDOWN
    seconds ago: repeated clicks, or someone hammering the form with another person's
    address, make one email, not a flood.
    """
    if signature.emails.count() >= settings.MAX_EMAILS_PER_SIGNATURE:
        logger.info("signature %s reached the email cap; not sending %s", signature.pk, kind)
        return None
    recent = timezone.now() - timedelta(seconds=settings.EMAIL_RESEND_COOLDOWN)
    if (
        signature.emails.filter(kind=kind)
        .filter(Q(status=OutgoingEmail.Status.QUEUED) | Q(created_at__gt=recent))
        .exists()
    ):
        return None
    outgoing = OutgoingEmail.objects.create(signature=signature, kind=kind)
    transaction.on_commit(partial(_publish, outgoing.pk))
    return outgoing


def _email_still_wanted(outgoing: OutgoingEmail) -> bool:
    status = outgoing.signature.status
    if outgoing.kind == Kind.CONFIRM:
        return status == Status.PENDING
    if outgoing.kind == Kind.APPROVED:
        return status == Status.APPROVED
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
            .select_related("signature__letter")
            .filter(pk=outgoing_id)
            .first()
        )
        if outgoing is None or outgoing.status != OutgoingEmail.Status.QUEUED:
            return "skipped"
        if not _email_still_wanted(outgoing):
            outgoing.status = OutgoingEmail.Status.CANCELLED
            outgoing.save(update_fields=["status"])
            return "cancelled"
        build_signature_email(outgoing.kind, outgoing.signature).send()
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


# --- Signing ----------------------------------------------------------------------------------


def signature_create(
    *,
    letter: Letter,
    name: str,
    email: str,
    title: str = "",
    organization: str = "",
    link: str = "",
    network_hash: str = "",
) -> tuple[Signature, bool]:
    """Sign `letter`, or answer a repeat signer. Returns (signature, created).

    A new email makes a pending signature and a confirmation email. The same email again never
    makes a second row (the database's unique constraint decides, also under concurrent
    requests): while pending it gets a fresh confirmation link, once confirmed an email saying
    so. The caller answers every case alike, so nobody can learn who signed.
    """
    email_normalized = email_normalize(email)
    with transaction.atomic():
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    letter=letter,
                    version_id=letter.current_version_id,
                    name=name,
                    email=email.strip(),
                    email_normalized=email_normalized,
                    title=title,
                    organization=organization,
                    link=link,
                    network_hash=network_hash,
                )
            created = True
        except IntegrityError:
            signature = (
                Signature.objects.select_for_update()
                .exclude(status=Status.WITHDRAWN)
                .get(letter=letter, email_normalized=email_normalized)
            )
            created = False
        kind = Kind.CONFIRM if signature.status == Status.PENDING else Kind.ALREADY_SIGNED
        outgoing_email_queue(signature=signature, kind=kind)
    return signature, created


def signature_confirm(*, public_id: str) -> tuple[Signature, bool]:
    """Confirm a pending signature's email; it then waits for moderation.

    Returns (signature, changed): changed is False when it was not pending (a second click, or
    a reused link), which changes nothing. Raises Signature.DoesNotExist for an unknown id.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status != Status.PENDING:
            return signature, False
        signature.status = Status.VERIFIED
        signature.verified_at = timezone.now()
        signature.verification = Signature.Verification.EMAIL
        signature.save(update_fields=["status", "verified_at", "verification"])
    return signature, True


def signature_resend_confirmation(*, public_id: str) -> Signature:
    """A fresh confirmation link for a pending signature whose link expired."""
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status == Status.PENDING:
            outgoing_email_queue(signature=signature, kind=Kind.CONFIRM)
    return signature


ERASED_FIELDS = {
    "name": "",
    "email": "",
    "email_normalized": "",
    "title": "",
    "organization": "",
    "link": "",
    "moderation_note": "",
    "network_hash": "",
    "suspicious_reasons": [],
    "featured": False,
}


def signature_withdraw(*, public_id: str) -> tuple[Signature, bool]:
    """Withdraw a signature and erase its signer's personal data.

    The row stays as a tombstone (status, letter, version, timestamps) so counts and the audit
    trail stay consistent. Returns (signature, changed); False when already withdrawn.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status == Status.WITHDRAWN:
            return signature, False
        for field, value in ERASED_FIELDS.items():
            setattr(signature, field, value)
        signature.status = Status.WITHDRAWN
        signature.withdrawn_at = timezone.now()
        signature.save()
        signature.emails.filter(status=OutgoingEmail.Status.QUEUED).update(status=OutgoingEmail.Status.CANCELLED)
        transaction.on_commit(partial(forget_public_count, signature.letter_id))
    return signature, True


def signatures_erase_unconfirmed(*, dry_run: bool = False) -> int:
    """Delete pending signatures whose last confirmation link expired ERASE_UNCONFIRMED_AFTER_DAYS
    ago. They were never public, so nothing else refers to them. Returns how many (would) go."""
    cutoff = (
        timezone.now()
        - timedelta(seconds=settings.CONFIRM_TOKEN_MAX_AGE)
        - timedelta(days=settings.ERASE_UNCONFIRMED_AFTER_DAYS)
    )
    stale = (
        Signature.objects.filter(status=Status.PENDING)
        .annotate(last_link=Coalesce(Max("emails__created_at", filter=Q(emails__kind=Kind.CONFIRM)), "created_at"))
        .filter(last_link__lt=cutoff)
    )
    if dry_run:
        return stale.count()
    with transaction.atomic():
        ids = list(stale.values_list("pk", flat=True))
        Signature.objects.filter(pk__in=ids, status=Status.PENDING).delete()
    logger.info("erased %d unconfirmed signature(s)", len(ids))
    return len(ids)


# Errors worth another try later; anything else is a bug and is left to surface.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused,)
