"""Deliveries of a letter: when, to whom and how organizers handed it over, each bound to a
signed checkpoint of the list's log, so the list as delivered can be proved later."""

from django.conf import settings
from django.db import models

from .log import Checkpoint


class Delivery(models.Model):
    """One delivery of the letter, recorded by a moderator. The checkpoint is the log's state
    when it was recorded: the list the organizers handed over is the one a `verify_list
    --checkpoint` run against it accepts (PROTECT: a delivery's proof never goes away)."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="deliveries")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="deliveries")
    delivered_at = models.DateTimeField()
    recipient = models.CharField(max_length=200)
    method = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]

    def __str__(self):
        return f"{self.letter_id} to {self.recipient} on {self.delivered_at:%Y-%m-%d}"
