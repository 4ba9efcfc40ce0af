"""The outbox: every email to a signer, written in the transaction that calls for it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .signature import Signature


class OutgoingEmail(models.Model):
    """An email to a signer, written in the same transaction as the change that calls for it.

    The row is the source of truth (a transactional outbox): the Celery task that sends it only
    carries its id, so a broker outage loses nothing and the sweep task sends what was never sent.
    The links inside are made at send time from signed tokens, so nothing secret is stored here.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirm your signature")
        ALREADY_SIGNED = "already_signed", _("You have already signed")
        APPROVED = "approved", _("Your signature is public")
        UPDATE = "update", _("An update about the letter")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed after every retry")
        CANCELLED = "cancelled", _("No longer needed")

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # When the outbox relay handed it to the broker (services/outbox.py, `outbox_relay`).
    published_at = models.DateTimeField(null=True, blank=True)
    # For an "update" email: which update (signatures/services/updates.py).
    update = models.ForeignKey("signatures.Update", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_status_idx"),
            # The relay's work list: queued rows not yet handed to the broker.
            models.Index(
                fields=["id"], condition=Q(status="queued", published_at__isnull=True), name="outbox_unpublished_idx"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for signature {self.signature_id} [{self.status}]"
