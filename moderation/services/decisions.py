"""Moderation: every decision on a signature, taken by a moderator and recorded with who and
when. One function per decision, one transaction each; state changes are guarded, so a double
click or a race changes nothing twice."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from signatures.models import ModerationEvent, OutgoingEmail, Signature, WatchlistEntry
from signatures.selectors.cache import public_list_changed
from signatures.services.log import log_published, log_unpublished
from signatures.services.outbox import hand_over, outgoing_email_queue
from signatures.services.signing import verification_level

Status = Signature.Status
Kind = OutgoingEmail.Kind


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
            raise ValidationError(
                _("This name is on the watchlist. Say how you checked that it is really this person.")
            )
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
        log_published(signature_ids=[signature.pk])
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
        if before["status"] == Status.APPROVED:
            log_unpublished(signature_ids=[signature.pk])
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
    """Correct the displayed title and organization (typos). Returns (signature, changed).

    The "domain" level follows the organization: it holds only while the signer's email is at a
    domain confirmed for the organization shown."""
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
        fields = ["title", "organization", "moderated_by"]
        if signature.verification in (Signature.Verification.EMAIL, Signature.Verification.DOMAIN):
            level = verification_level(signature)
            if level != signature.verification:
                before["verification"], after["verification"] = signature.verification, level
                signature.verification = level
                fields.append("verification")
        signature.save(update_fields=fields)
        _event(signature, moderator, ModerationEvent.Action.EDIT, before, after).save()
        if signature.status == Status.APPROVED:  # the public row changed: log the new one
            log_published(signature_ids=[signature.pk])
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


@dataclass
class BulkResult:
    changed: int = 0
    watchlisted: int = 0  # left for an explicit, noted approval
    unchanged: int = 0  # not in a state the action applies to


BULK_ACTIONS = {"approve", "reject", "feature", "unfeature"}
BULK_MAX = 10_000


def signatures_bulk_decide(*, moderator, action: str, ids=None, matching=None, reason: str = "") -> BulkResult:
    """Apply one decision to many signatures at once, in a constant number of queries:
    lock and read the rows that qualify, update them in one statement, write the audit log and
    the approval emails in one insert each. Watchlisted names are never approved in bulk.

    The signatures are either `ids` (ticked on a page) or `matching`, a queryset of the queue's
    filter and search: the first BULK_MAX of it are decided, read in the database rather than
    sent back as ids."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown action: %(action)s") % {"action": action})
    if matching is not None:
        ids = list(matching.values_list("pk", flat=True)[:BULK_MAX])
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
        if action == "approve":
            log_published(signature_ids=pks)
        elif action == "reject":
            log_unpublished(signature_ids=[row[0] for row in rows if row[2] == Status.APPROVED])
        if action == "approve" and settings.NOTIFY_SIGNER_ON_APPROVAL:
            already = set(
                OutgoingEmail.objects.filter(signature_id__in=pks, kind=Kind.APPROVED).values_list(
                    "signature_id", flat=True
                )
            )
            outgoing = OutgoingEmail.objects.bulk_create(
                [OutgoingEmail(signature_id=pk, kind=Kind.APPROVED) for pk in pks if pk not in already]
            )
            hand_over([o.pk for o in outgoing])
        for letter_id in {row[1] for row in rows}:
            transaction.on_commit(partial(public_list_changed, letter_id))
    result.changed = len(rows)
    result.unchanged = len(ids) - result.changed - result.watchlisted
    return result
