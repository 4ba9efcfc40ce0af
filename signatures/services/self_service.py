"""A signer's own changes to their signature, from "your signature" (the link in every email)."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from ..models import ModerationEvent, Signature
from ..selectors.cache import public_list_changed
from .log import log_unpublished
from .signing import verification_level

Status = Signature.Status

# Where a signer may correct their details: once confirmed (before that, a changed detail would
# void the link that confirms it, see tokens.details_digest) and until withdrawn.
CORRECTABLE = (Status.VERIFIED, Status.APPROVED, Status.REJECTED)
SIGNER_NOTE = "Changed by the signer on their 'your signature' page."


def signature_correct(
    *, public_id: str, title: str, organization: str, identification_only: bool
) -> tuple[Signature, bool]:
    """Correct the title or organization, or mark the affiliation "for identification only".
    Returns (signature, changed).

    A new title or organization on a public signature is not published unreviewed: the
    signature goes back to the moderation queue (approved -> verified), its removal from the
    public list is logged, and a moderator approves the new text like any other. Only marking
    the affiliation leaves a public signature public (it adds words, it changes no claim).
    Every change is in the audit log with the signer as its author.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status not in CORRECTABLE:
            raise ValidationError(gettext("This signature can no longer be changed."))
        before = {
            "title": signature.title,
            "organization": signature.organization,
            "identification_only": signature.identification_only,
        }
        after = {"title": title, "organization": organization, "identification_only": identification_only}
        changed = {key for key in after if before[key] != after[key]}
        if not changed:
            return signature, False
        was_public = signature.status == Status.APPROVED
        signature.title, signature.organization = title, organization
        signature.identification_only = identification_only
        fields = ["title", "organization", "identification_only"]
        if changed & {"title", "organization"}:
            if signature.verification in (Signature.Verification.EMAIL, Signature.Verification.DOMAIN):
                level = verification_level(signature)  # "domain" follows the organization
                if level != signature.verification:
                    before["verification"], after["verification"] = signature.verification, level
                    signature.verification = level
                    fields.append("verification")
            if was_public:
                before["status"], after["status"] = Status.APPROVED, Status.VERIFIED
                signature.status = Status.VERIFIED
                signature.approved_at = None
                fields += ["status", "approved_at"]
                # The log records that the row left the list; its new text is logged when a
                # moderator approves it (moderation/services/decisions.py).
                log_unpublished(signature_ids=[signature.pk])
        signature.save(update_fields=fields)
        ModerationEvent.objects.create(
            signature=signature, action=ModerationEvent.Action.EDIT, before=before, after=after, note=SIGNER_NOTE
        )
        if was_public:
            transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True
