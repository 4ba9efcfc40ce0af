"""Updates to signers: news the organizers publish on the letter page and in its feed, and
email to the signers who asked for it when signing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The sign form's checkbox, word for word: a signer's consent is kept with the exact wording
# they ticked (Signature.updates_consent_text), so a later rewording changes no one's consent.
UPDATES_CONSENT_TEXT = _("Email me updates about this letter (at most a few; unsubscribe in one click)")


class Update(models.Model):
    """One update. body_html is rendered once, sanitised, by letter.markdown's renderer.

    Emailing it is paced (signatures/services/updates.py): each run of the beat task queues the
    next batch of consenting signers after `sent_through` (a signature id), and `sending_done_at`
    is set when none is left."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()
    body_html = models.TextField()
    published_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    email_signers = models.BooleanField(default=True)
    sent_through = models.BigIntegerField(default=0)
    sending_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title
