"""Deliveries of a letter: organizers record when, to whom and how they handed it over. Each
is bound to a signed checkpoint of the list's log, signed now if the log grew since the last
one, so the list delivered (the CSV downloaded for it) verifies against it for ever."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from letter.models import Letter

from ..models import Delivery
from .checkpoints import checkpoint_publish

# A delivery is recorded when it happened or after; a few minutes ahead absorbs clock skew
# between the organizer's device and the server.
FUTURE_SLACK = timedelta(minutes=10)


def delivery_record(
    *, letter: Letter, moderator, delivered_at: datetime, recipient: str, method: str, note: str = ""
) -> Delivery:
    """Record a delivery, bound to the log's checkpoint at this moment (the exact list an
    organizer downloads now). Raises ValidationError for a delivery in the future or an empty
    recipient or method; ImproperlyConfigured when the site has no signing key."""
    recipient, method = recipient.strip(), method.strip()
    if not recipient or not method:
        raise ValidationError(gettext("Say to whom and how the letter was delivered."))
    if delivered_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError(gettext("A delivery is recorded once it has happened: the time is in the future."))
    # The checkpoint first: it signs in its own short transaction (it locks the log's head), and
    # a checkpoint kept without a delivery is harmless, while a delivery without one is not.
    checkpoint = checkpoint_publish(letter=letter)
    return Delivery.objects.create(
        letter=letter,
        checkpoint=checkpoint,
        delivered_at=delivered_at,
        recipient=recipient,
        method=method,
        note=note.strip(),
        recorded_by=moderator,
    )
