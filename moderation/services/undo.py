"""Taking back a reject: one click rejects, so a slip of the finger must be cheap to repair.

For UNDO_SECONDS after a reject, the moderator who made it can undo it: the signature goes back to
the state the reject found it in (awaiting review, or public with its featured mark), and the audit
log gets a "Reject undone" row; the reject's own row stays, the log is never rewritten. After the
window, or once anyone decided anything else about that signature, a normal approve is the way.
"""

from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from signatures.models import ModerationEvent, Signature
from signatures.selectors.cache import public_list_changed
from signatures.services.log import log_published

from .decisions import _event

UNDO_SECONDS = 30
Action = ModerationEvent.Action
Status = Signature.Status


def reject_undo_deadline(event: ModerationEvent):
    return event.created_at + timedelta(seconds=UNDO_SECONDS)


def signature_reject_undo(*, event_id: int, moderator) -> tuple[Signature, bool]:
    """Undo the reject recorded as `event_id`, made by this moderator. Returns (signature, changed).

    Guarded like every decision: nothing changes unless the signature is still rejected by that
    very event (no later decision), so a double click or a second tab is harmless.
    """
    with transaction.atomic():
        event = ModerationEvent.objects.filter(pk=event_id, action=Action.REJECT, actor=moderator).first()
        if event is None:
            raise ValidationError(_("There is no reject of yours to undo here."))
        if timezone.now() > reject_undo_deadline(event):
            raise ValidationError(_("It is too late to undo that reject: approve the signature instead."))
        signature = Signature.objects.select_for_update().get(pk=event.signature_id)
        later = signature.events.filter(pk__gt=event.pk).exists()
        previous = event.before.get("status")
        if signature.status != Status.REJECTED or later or previous not in (Status.VERIFIED, Status.APPROVED):
            return signature, False
        before = {"status": signature.status, "featured": signature.featured}
        signature.status = previous
        signature.rejected_at = None
        signature.featured = bool(event.before.get("featured")) and previous == Status.APPROVED
        signature.moderated_by = moderator
        if event.note:  # the reject replaced the moderator's note with its reason: put the last one back
            approval = signature.events.filter(action=Action.APPROVE, pk__lt=event.pk).exclude(note="").first()
            signature.moderation_note = approval.note if approval else ""
        signature.save()
        after = {"status": signature.status, "featured": signature.featured}
        _event(signature, moderator, Action.UNDO_REJECT, before, after).save()
        if previous == Status.APPROVED:  # public again: its row goes back into the transparency log
            log_published(signature_ids=[signature.pk])
            transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True
