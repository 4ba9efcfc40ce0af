"""A signature, the audit log of decisions on it, and the watchlist of names checked by hand."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_public_id() -> str:
    """A random, URL-safe id that names a signature in public (exports, tokens) instead of its pk.
    Never starting with "-": a CSV cell starting with it is neutralised with a quote as a formula,
    and the id would not read the same in the download as on the page."""
    while True:
        value = secrets.token_urlsafe(9)  # 12 characters, 72 bits
        if not value.startswith("-"):
            return value


class SignatureQuerySet(models.QuerySet):
    def public(self):
        """Signatures anyone may see: approved ones, featured first, then in approval order."""
        return self.filter(status=Signature.Status.APPROVED).order_by("-featured", "approved_at", "id")

    def watchlisted(self):
        return self.filter(name_key__in=WatchlistEntry.objects.values("name_key"))


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending email confirmation")
        VERIFIED = "verified", _("Email confirmed, awaiting review")
        APPROVED = "approved", _("Approved (public)")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Verification(models.TextChoices):
        # What each level means, and what it did not check, is said on /verification/
        # (templates/letter/method.html): keep the two together.
        NONE = "none", _("Not verified")
        EMAIL = "email", _("Email confirmed")
        # Only at a domain moderators confirmed for the organization (Organization below).
        DOMAIN = "domain", _("Email at the organization's confirmed domain")
        MODERATOR = "moderator", _("Checked by a moderator")
        # Gathered by the organizers before launch: their word, not an email we confirmed.
        LAUNCH_LIST = "launch", _("On the organizers' launch list")

    # Limits of each field, shared with the sign form so the messages quote the real numbers.
    NAME_MAX = 100
    EMAIL_MAX = 254
    TITLE_MAX = 150
    ORGANIZATION_MAX = 150
    LINK_MAX = 300

    # Unique by a constraint in Meta rather than unique=True, which on PostgreSQL also builds a
    # second index for LIKE that nothing here asks for (and every insert would maintain).
    public_id = models.CharField(max_length=16, default=new_public_id, editable=False)
    # No index of its own: the indexes in Meta that start with the letter serve its lookups.
    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="signatures", db_index=False)
    # The text the signer read (its language and number), and the language of the pages they
    # signed on: their emails come in it. They differ when a letter has no translation yet.
    version = models.ForeignKey("letter.LetterVersion", on_delete=models.PROTECT, related_name="signatures")
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    name = models.CharField(max_length=NAME_MAX)
    # The name folded for matching (names.name_key: case, accents, punctuation, honorifics, word
    # order, invisible characters, look-alike letters as TS #39 skeletons): finds duplicates like
    # "Doe, Jane" / "jane doe" and names on the watchlist, "F\u0430mous Person" included.
    name_key = models.CharField(max_length=NAME_MAX, blank=True)  # indexed in Meta (no LIKE index)
    email = models.EmailField(max_length=EMAIL_MAX)
    # Lower-cased, NFKC-normalised email: one signature per value per letter.
    email_normalized = models.CharField(max_length=EMAIL_MAX)
    # The address without a "+tag" (jane+x@corp.example -> jane@corp.example), to spot variants.
    email_base = models.CharField(max_length=EMAIL_MAX, blank=True)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    organization = models.CharField(max_length=ORGANIZATION_MAX, blank=True)
    link = models.URLField(max_length=LINK_MAX, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    verification = models.CharField(max_length=10, choices=Verification.choices, default=Verification.NONE)
    featured = models.BooleanField(default=False)
    # The signer's choice on "your signature": their title and organization only say who they
    # are, not that the organization signs (shown beside the name in public and in the JSON).
    identification_only = models.BooleanField(default=False)
    # Updates by email (issue 13): when the signer ticked the sign form's box and its exact
    # wording (models.updates.UPDATES_CONSENT_TEXT at the time), and when they unsubscribed.
    updates_consent_at = models.DateTimeField(null=True, blank=True)
    updates_consent_text = models.CharField(max_length=300, blank=True, default="")
    updates_unsubscribed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Moderation: who decided last, and what they noted (how a watchlisted name was checked,
    # why a signature was rejected).
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    moderation_note = models.TextField(blank=True)

    # Abuse signals for moderators. No raw IP is kept: a keyed hash of the client's network.
    network_hash = models.CharField(max_length=64, blank=True)
    suspicious_reasons = models.JSONField(default=list, blank=True)
    # Set when the confirmation email could not be delivered after every retry.
    email_failed = models.BooleanField(default=False)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("moderate_signature", "Can review, approve, reject and feature signatures")]
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="sig_public_id_unique"),
            # One live signature per email per letter. A withdrawn one is an erased tombstone,
            # so its owner may sign again.
            models.UniqueConstraint(
                fields=["letter", "email_normalized"],
                condition=~Q(status="withdrawn"),
                name="one_signature_per_email_per_letter",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False), name="verified_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False, verified_at__isnull=False),
                name="approved_has_times",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_at__isnull=False), name="rejected_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False), name="withdrawn_has_time"
            ),
        ]
        indexes = [
            # The public order (featured first, then approval order): pages and cursors read it
            # straight off this index, however long the list.
            models.Index(fields=["letter", "status", "-featured", "approved_at", "id"], name="sig_public_order_idx"),
            models.Index(fields=["status", "verified_at"], name="sig_queue_idx"),
            # The moderation queue's "Approved" filter, newest first, a page at a time.
            models.Index(fields=["status", "approved_at"], name="sig_approved_queue_idx"),
            models.Index(fields=["letter", "network_hash", "created_at"], name="sig_burst_idx"),
            models.Index(fields=["letter", "email_base"], name="sig_email_base_idx"),
            models.Index(fields=["name_key"], name="sig_name_key_idx"),
            # Only decided signatures have a moderator (not those imported or waiting).
            models.Index(fields=["moderated_by"], condition=Q(moderated_by__isnull=False), name="sig_moderated_by_idx"),
        ]

    def __str__(self):
        return f"{self.name or '(erased)'} [{self.status}]"


class WatchlistEntry(models.Model):
    """A high-profile name: a signature with it is never approved in bulk, and approving it
    needs a note on how the moderator checked it is really that person."""

    name = models.CharField(max_length=Signature.NAME_MAX)
    name_key = models.CharField(max_length=Signature.NAME_MAX, unique=True, editable=False)
    note = models.CharField(max_length=300, blank=True, help_text=_("Who this is, how to reach them to check."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "watchlist"

    def __str__(self):
        return self.name


class ModerationEvent(models.Model):
    """The audit log: one row per decision on a signature. Rows are only ever added; the one
    exception is erasure, when a signer withdraws and their details leave the before/after too."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        FEATURE = "feature", _("Featured")
        UNFEATURE = "unfeature", _("Unfeatured")
        EDIT = "edit", _("Edited")
        IMPORT = "import", _("Imported")
        DOMAIN = "domain", _("Email domain confirmed for the organization")
        WITHDRAW = "withdraw", _("Withdrawn by the signer")
        UNDO_REJECT = "unreject", _("Reject undone")

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text=_("Kept if the account is deleted."))
    action = models.CharField(max_length=10, choices=Action.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    bulk = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Events of the signer and of imports have no actor: only moderators' are indexed.
        indexes = [models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="event_actor_idx")]

    def __str__(self):
        return f"{self.get_action_display()} #{self.signature_id} by {self.actor_email or 'signer'}"
