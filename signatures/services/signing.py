"""Every write to signatures goes through here: one function per action, one transaction each."""

import hashlib
import logging
import smtplib
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from letter.models import Letter

from . import hints
from .emails import build_signature_email
from .exports import csv_lines
from .models import DailyDigest, ModerationEvent, OutgoingEmail, Signature, WatchlistEntry
from .selectors import EXPORT_COLUMNS, export_rows, public_list_changed

logger = logging.getLogger(__name__)

Status = Signature.Status
Kind = OutgoingEmail.Kind


def email_normalize(email: str) -> str:
    """The form of an email that decides "same signer": NFKC, trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_base(email_normalized: str) -> str:
    """The address without its "+tag": jane+x@corp.example and jane@corp.example share one."""
    local, _, domain = email_normalized.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def signer_fields(*, name: str, email: str) -> dict:
    """The stored forms of a signer's name and email: as given, plus the normalised forms that
    decide "same signer" (email), "plus-address variant" (email base) and "similar name"."""
    normalized = email_normalize(email)
    return {
        "name": name,
        "name_key": hints.name_key(name),
        "email": email.strip(),
        "email_normalized": normalized,
        "email_base": email_base(normalized),
    }


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
    loaded_form: bool = True,
) -> tuple[Signature, bool]:
    """Sign `letter`, or answer a repeat signer. Returns (signature, created).

    A new email makes a pending signature and a confirmation email. The same email again never
    makes a second row (the database's unique constraint decides, also under concurrent
    requests): while pending it gets a fresh confirmation link, once confirmed an email saying
    so. The caller answers every case alike, so nobody can learn who signed.
    """
    email_normalized = email_normalize(email)
    with transaction.atomic():
        reasons = suspicion_reasons(
            letter=letter, email_normalized=email_normalized, network_hash=network_hash, loaded_form=loaded_form
        )
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    letter=letter,
                    version_id=letter.current_version_id,
                    **signer_fields(name=name, email=email),
                    title=title,
                    organization=organization,
                    link=link,
                    network_hash=network_hash,
                    suspicious_reasons=reasons,
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


def suspicion_reasons(*, letter: Letter, email_normalized: str, network_hash: str, loaded_form: bool) -> list[str]:
    """Why moderators should look twice at a new signature. Nothing here refuses anyone: a
    burst may be one office signing together, a plus address may be a careful person."""
    reasons = []
    variants = (
        Signature.objects.filter(letter=letter, email_base=email_base(email_normalized))
        .exclude(status=Status.WITHDRAWN)
        .exclude(email_normalized=email_normalized)
    )
    if variants.exists():
        reasons.append("Plus-addressed variant of another signer's email")
    if network_hash:
        since = timezone.now() - timedelta(minutes=settings.BURST_WINDOW_MINUTES)
        recent = Signature.objects.filter(letter=letter, network_hash=network_hash, created_at__gte=since).count()
        if recent >= settings.BURST_THRESHOLD:
            reasons.append(
                f"Burst: {recent + 1} signatures from one network within {settings.BURST_WINDOW_MINUTES} minutes"
            )
    if not loaded_form:
        reasons.append("Posted without loading the sign form")
    return reasons


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
        signature.verification = (
            Signature.Verification.DOMAIN
            if hints.affiliation_verified(signature.email_normalized, signature.organization, signature.link)
            else Signature.Verification.EMAIL
        )
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
    "name_key": "",
    "email": "",
    "email_normalized": "",
    "email_base": "",
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
        before_status = signature.status
        for name, value in ERASED_FIELDS.items():
            setattr(signature, name, value)
        signature.status = Status.WITHDRAWN
        signature.withdrawn_at = timezone.now()
        signature.save()
        signature.emails.filter(status=OutgoingEmail.Status.QUEUED).update(status=OutgoingEmail.Status.CANCELLED)
        # Erasure reaches the audit log too: edits hold old titles and organizations, and notes
        # may say how the person was reached. Who decided what, and when, stays.
        signature.events.filter(action=ModerationEvent.Action.EDIT).update(
            before={"erased": True}, after={"erased": True}
        )
        signature.events.exclude(note="").update(note="(erased on withdrawal)")
        ModerationEvent.objects.create(
            signature=signature,
            action=ModerationEvent.Action.WITHDRAW,
            before={"status": before_status},
            after={"status": Status.WITHDRAWN},
        )
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
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


# --- Moderation -------------------------------------------------------------------------------

APPROVABLE = (Status.VERIFIED, Status.REJECTED)
REJECTABLE = (Status.VERIFIED, Status.APPROVED)


def _event(signature, moderator, action, before, after, note="", bulk=False) -> ModerationEvent:
    return ModerationEvent(
        signature=signature,
        actor=moderator,
        actor_email=getattr(moderator, "email", "") or "",
        action=action,
        before=before,
        after=after,
        note=note,
        bulk=bulk,
    )


def _locked(signature_id: int) -> Signature:
    return Signature.objects.select_for_update().get(pk=signature_id)


def _notify_approved(signature: Signature) -> None:
    if settings.NOTIFY_SIGNER_ON_APPROVAL and not signature.emails.filter(kind=Kind.APPROVED).exists():
        outgoing_email_queue(signature=signature, kind=Kind.APPROVED)


def signature_is_watchlisted(signature: Signature) -> bool:
    return bool(signature.name_key) and WatchlistEntry.objects.filter(name_key=signature.name_key).exists()


def signature_approve(*, signature_id: int, moderator, note: str = "") -> tuple[Signature, bool]:
    """Publish a confirmed (or earlier rejected) signature. Returns (signature, changed).

    A note says how the moderator checked the person; it raises the verification level to
    "checked by a moderator". A name on the watchlist cannot be approved without one.
    """
    note = note.strip()
    with transaction.atomic():
        signature = _locked(signature_id)
        if signature.status not in APPROVABLE:
            return signature, False
        if not note and signature_is_watchlisted(signature):
            raise ValidationError("This name is on the watchlist. Say how you checked that it is really this person.")
        before = {"status": signature.status, "verification": signature.verification}
        signature.status = Status.APPROVED
        signature.approved_at = timezone.now()
        signature.rejected_at = None
        signature.moderated_by = moderator
        if note:
            signature.verification = Signature.Verification.MODERATOR
            signature.moderation_note = note
        signature.save()
        after = {"status": signature.status, "verification": signature.verification}
        _event(signature, moderator, ModerationEvent.Action.APPROVE, before, after, note).save()
        _notify_approved(signature)
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


def signature_reject(*, signature_id: int, moderator, reason: str = "") -> tuple[Signature, bool]:
    """Keep a signature off the public list (or take it off). Returns (signature, changed)."""
    with transaction.atomic():
        signature = _locked(signature_id)
        if signature.status not in REJECTABLE:
            return signature, False
        before = {"status": signature.status, "featured": signature.featured}
        signature.status = Status.REJECTED
        signature.rejected_at = timezone.now()
        signature.featured = False
        signature.moderated_by = moderator
        if reason.strip():
            signature.moderation_note = reason.strip()
        signature.save()
        after = {"status": signature.status, "featured": False}
        _event(signature, moderator, ModerationEvent.Action.REJECT, before, after, reason.strip()).save()
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


def signature_set_featured(*, signature_id: int, moderator, featured: bool) -> tuple[Signature, bool]:
    """Feature an approved signature (shown first in public), or stop featuring it."""
    with transaction.atomic():
        signature = _locked(signature_id)
        if signature.status != Status.APPROVED or signature.featured == featured:
            return signature, False
        signature.featured = featured
        signature.moderated_by = moderator
        signature.save(update_fields=["featured", "moderated_by"])
        action = ModerationEvent.Action.FEATURE if featured else ModerationEvent.Action.UNFEATURE
        _event(signature, moderator, action, {"featured": not featured}, {"featured": featured}).save()
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


def signature_edit(*, signature_id: int, moderator, title: str, organization: str) -> tuple[Signature, bool]:
    """Correct the displayed title and organization (typos). Returns (signature, changed)."""
    with transaction.atomic():
        signature = _locked(signature_id)
        if signature.status == Status.WITHDRAWN:
            return signature, False
        before = {"title": signature.title, "organization": signature.organization}
        after = {"title": title, "organization": organization}
        if before == after:
            return signature, False
        signature.title, signature.organization = title, organization
        signature.moderated_by = moderator
        signature.save(update_fields=["title", "organization", "moderated_by"])
        _event(signature, moderator, ModerationEvent.Action.EDIT, before, after).save()
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


@dataclass
class BulkResult:
    changed: int = 0
    watchlisted: int = 0  # left for an explicit, noted approval
    unchanged: int = 0  # not in a state the action applies to


BULK_ACTIONS = {"approve", "reject", "feature", "unfeature"}
BULK_MAX = 10_000


def signatures_bulk_decide(*, ids, moderator, action: str, reason: str = "") -> BulkResult:
    """Apply one decision to many signatures at once, in a constant number of queries:
    lock and read the rows that qualify, update them in one statement, write the audit log and
    the approval emails in one insert each. Watchlisted names are never approved in bulk."""
    if action not in BULK_ACTIONS:
        raise ValidationError(f"Unknown action: {action}")
    ids = list(dict.fromkeys(int(i) for i in ids))[:BULK_MAX]
    now = timezone.now()
    qs = Signature.objects.filter(pk__in=ids)
    if action == "approve":
        qs = qs.filter(status__in=APPROVABLE)
        changes = {"status": Status.APPROVED, "approved_at": now, "rejected_at": None}
    elif action == "reject":
        qs = qs.filter(status__in=REJECTABLE)
        changes = {"status": Status.REJECTED, "rejected_at": now, "featured": False}
    else:
        featured = action == "feature"
        qs = qs.filter(status=Status.APPROVED, featured=not featured)
        changes = {"featured": featured}
    result = BulkResult()
    with transaction.atomic():
        if action == "approve":
            result.watchlisted = qs.watchlisted().count()
            qs = qs.exclude(name_key__in=WatchlistEntry.objects.values("name_key"))
        rows = list(qs.select_for_update().values_list("pk", "letter_id", "status", "featured"))
        if not rows:
            result.unchanged = len(ids) - result.watchlisted
            return result
        pks = [row[0] for row in rows]
        Signature.objects.filter(pk__in=pks).update(moderated_by=moderator, **changes)
        note = reason.strip() if action == "reject" else ""
        events = []
        for pk, _letter_id, status, was_featured in rows:
            before = {"status": status, "featured": was_featured}
            after = {"status": changes.get("status", status), "featured": changes.get("featured", was_featured)}
            event = _event(Signature(pk=pk), moderator, action, before, after, note, bulk=True)
            events.append(event)
        ModerationEvent.objects.bulk_create(events)
        if action == "approve" and settings.NOTIFY_SIGNER_ON_APPROVAL:
            already = set(
                OutgoingEmail.objects.filter(signature_id__in=pks, kind=Kind.APPROVED).values_list(
                    "signature_id", flat=True
                )
            )
            outgoing = OutgoingEmail.objects.bulk_create(
                [OutgoingEmail(signature_id=pk, kind=Kind.APPROVED) for pk in pks if pk not in already]
            )
            transaction.on_commit(partial(_publish_many, [o.pk for o in outgoing]))
        for letter_id in {row[1] for row in rows}:
            transaction.on_commit(partial(public_list_changed, letter_id))
    result.changed = len(rows)
    result.unchanged = len(ids) - result.changed - result.watchlisted
    return result


def _publish_many(outgoing_ids: list[int], chunk: int = 200) -> None:
    """Hand many outbox rows to Celery in a few messages rather than one each."""
    from .tasks import send_emails

    for start in range(0, len(outgoing_ids), chunk):
        part = outgoing_ids[start : start + chunk]
        try:
            send_emails.delay(part)
        except Exception:
            logger.exception("could not enqueue %d emails; the outbox sweep will send them", len(part))


# --- Import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already signed
    rejected: list = field(default_factory=list)  # (line number, reason)


def signatures_import(*, letter: Letter, rows, actor=None) -> ImportReport:
    """Add signatories gathered before launch as verified and approved (checked by the campaign).

    `rows` are dicts with name, email, title, organization, link. Each row is checked like the
    sign form; an email already on the letter is skipped, so re-running adds nothing.
    """
    from .forms import SignatureForm

    report = ImportReport()
    now = timezone.now()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        form = SignatureForm({k: (row.get(k) or "") for k in ("name", "email", "title", "organization", "link")})
        if not form.is_valid():
            reasons = "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items())
            report.rejected.append((line, reasons))
            continue
        data = form.cleaned_data
        with transaction.atomic():
            try:
                with transaction.atomic():
                    signature = Signature.objects.create(
                        letter=letter,
                        version_id=letter.current_version_id,
                        **signer_fields(name=data["name"], email=data["email"]),
                        title=data["title"],
                        organization=data["organization"],
                        link=data["link"],
                        status=Status.APPROVED,
                        verification=Signature.Verification.MODERATOR,
                        moderation_note="Imported from the launch list.",
                        verified_at=now,
                        approved_at=now,
                        moderated_by=actor,
                    )
            except IntegrityError:
                report.skipped += 1
                continue
            _event(
                signature, actor, ModerationEvent.Action.IMPORT, {}, {"status": Status.APPROVED}, "launch list"
            ).save()
        report.added += 1
    public_list_changed(letter.pk)
    return report


# --- Digests --------------------------------------------------------------------------------


def digest_csv_lines(*, letter: Letter, day):
    """The CSV of the list as it stood at the end of `day` (UTC): the bytes the digest hashes
    and the dated download serves."""
    until = day_end(day)
    return csv_lines(EXPORT_COLUMNS, export_rows(letter=letter, until=until))


def day_end(day):
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def digest_publish(*, letter: Letter, day) -> DailyDigest:
    """Hash the list as it stood at the end of `day` and publish the digest (once per day)."""
    existing = DailyDigest.objects.filter(letter=letter, day=day).first()
    if existing:
        return existing
    digest, count = hashlib.sha256(), 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for piece in csv_lines(EXPORT_COLUMNS, counted(export_rows(letter=letter, until=day_end(day)))):
        digest.update(piece.encode("utf-8"))
    withdrawn = Signature.objects.filter(
        letter=letter,
        status=Status.WITHDRAWN,
        approved_at__isnull=False,
        withdrawn_at__gte=day_end(day) - timedelta(days=1),
        withdrawn_at__lt=day_end(day),
    ).count()
    try:
        with transaction.atomic():
            return DailyDigest.objects.create(
                letter=letter, day=day, count=count, withdrawn=withdrawn, sha256=digest.hexdigest()
            )
    except IntegrityError:  # published meanwhile by another run
        return DailyDigest.objects.get(letter=letter, day=day)


# Errors worth another try later; anything else is a bug and is left to surface.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused,)
