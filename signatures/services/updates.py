"""Updates to signers (issue 13): organizers publish an update, it shows on the letter page and
in the feed at once, and the signers who asked for updates get it by email through the outbox,
a batch at a time (UPDATES_PER_MINUTE), so a large send never crowds out signing's own emails.

Who gets one: confirmed signers (verified or approved) of the letter who ticked the box when
signing and have not unsubscribed. A withdrawn signer's consent is erased with the rest; the
outbox checks again at send time (outbox._email_still_wanted)."""

from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from letter import markdown
from letter.models import Letter

from ..models import OutgoingEmail, Signature, Update
from ..selectors.cache import public_list_changed
from .outbox import hand_over

Status = Signature.Status
RECIPIENT_STATUSES = (Status.VERIFIED, Status.APPROVED)


def wants_updates() -> Q:
    """The signatures that may be sent an update: the one rule, used when queueing and sending."""
    return Q(status__in=RECIPIENT_STATUSES, updates_consent_at__isnull=False, updates_unsubscribed_at__isnull=True)


def update_publish(*, letter: Letter, moderator, title: str, body_markdown: str, email_signers: bool = True) -> Update:
    """Publish an update now: on the letter page and the feed (the cached pages are dropped
    after the commit), and, with `email_signers`, to the consenting signers by the beat task."""
    title, body_markdown = title.strip(), body_markdown.strip()
    if not title or not body_markdown:
        raise ValidationError(gettext("An update needs a title and a text."))
    with transaction.atomic():
        update = Update.objects.create(
            letter=letter,
            title=title,
            body_markdown=body_markdown,
            body_html=markdown.render(body_markdown),
            published_at=timezone.now(),
            created_by=moderator,
            email_signers=email_signers,
            sending_done_at=None if email_signers else timezone.now(),
        )
        transaction.on_commit(partial(public_list_changed, letter.pk))
    return update


def updates_send_batch(*, limit: int | None = None) -> int:
    """Queue the next batch of update emails: at most `limit` (UPDATES_PER_MINUTE; the beat
    task runs every minute), oldest update first, signers in id order after the update's
    cursor. Rows and cursor move in one transaction, and the update is locked (skip_locked),
    so two runs never queue the same signer twice. Returns how many emails were queued."""
    budget = settings.UPDATES_PER_MINUTE if limit is None else limit
    queued = 0
    while budget > 0:
        with transaction.atomic():
            update = (
                Update.objects.select_for_update(skip_locked=True)
                .filter(email_signers=True, sending_done_at__isnull=True)
                .order_by("published_at", "pk")
                .first()
            )
            if update is None:
                break
            ids = list(
                Signature.objects.filter(wants_updates(), letter_id=update.letter_id, pk__gt=update.sent_through)
                # consent given before the update: it is news to them, not a back catalogue
                .filter(updates_consent_at__lte=update.published_at)
                .order_by("pk")
                .values_list("pk", flat=True)[:budget]
            )
            if ids:
                rows = OutgoingEmail.objects.bulk_create(
                    [OutgoingEmail(signature_id=pk, kind=OutgoingEmail.Kind.UPDATE, update=update) for pk in ids]
                )
                update.sent_through = ids[-1]
                hand_over([row.pk for row in rows])
            if len(ids) < budget:
                update.sending_done_at = timezone.now()
            update.save(update_fields=["sent_through", "sending_done_at"])
        queued += len(ids)
        budget -= len(ids)
    return queued


def signature_unsubscribe(*, public_id: str) -> bool:
    """Stop update emails to this signer, including any already queued. Returns whether the
    signer was subscribed (a second click changes nothing)."""
    with transaction.atomic():
        changed = Signature.objects.filter(
            public_id=public_id, updates_consent_at__isnull=False, updates_unsubscribed_at__isnull=True
        ).update(updates_unsubscribed_at=timezone.now())
        OutgoingEmail.objects.filter(
            signature__public_id=public_id, kind=OutgoingEmail.Kind.UPDATE, status=OutgoingEmail.Status.QUEUED
        ).update(status=OutgoingEmail.Status.CANCELLED)
    return bool(changed)
