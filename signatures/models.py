import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def new_public_id() -> str:
    """A random, URL-safe id that names a signature in public (exports, tokens) instead of its pk."""
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


class SignatureQuerySet(models.QuerySet):
    def public(self):
        """Signatures anyone may see: approved ones, featured first, then in approval order."""
        return self.filter(status=Signature.Status.APPROVED).order_by("-featured", "approved_at", "id")

    def watchlisted(self):
        return self.filter(name_key__in=WatchlistEntry.objects.values("name_key"))


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending email confirmation"
        VERIFIED = "verified", "Email confirmed, awaiting review"
        APPROVED = "approved", "Approved (public)"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Verification(models.TextChoices):
        # What each level means, and what it did not check, is said on /verification/
        # (templates/letter/method.html): keep the two together.
        NONE = "none", "Not verified"
        EMAIL = "email", "Email confirmed"
        # Only at a domain moderators confirmed for the organization (Organization below).
        DOMAIN = "domain", "Email at the organization's confirmed domain"
        MODERATOR = "moderator", "Checked by a moderator"
        # Gathered by the organizers before launch: their word, not an email we confirmed.
        LAUNCH_LIST = "launch", "On the organizers' launch list"

    # Limits of each field, shared with the sign form so the messages quote the real numbers.
    NAME_MAX = 100
    EMAIL_MAX = 254
    TITLE_MAX = 150
    ORGANIZATION_MAX = 150
    LINK_MAX = 300

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey("letter.LetterVersion", on_delete=models.PROTECT, related_name="signatures")

    name = models.CharField(max_length=NAME_MAX)
    # The name folded for matching (names.name_key: case, accents, punctuation, honorifics, word
    # order, invisible characters, look-alike letters as TS #39 skeletons): finds duplicates like
    # "Doe, Jane" / "jane doe" and names on the watchlist, "F\u0430mous Person" included.
    name_key = models.CharField(max_length=NAME_MAX, blank=True, db_index=True)
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

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Moderation: who decided last, and what they noted (how a watchlisted name was checked,
    # why a signature was rejected).
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
            models.Index(fields=["letter", "network_hash", "created_at"], name="sig_burst_idx"),
            models.Index(fields=["letter", "email_base"], name="sig_email_base_idx"),
        ]

    def __str__(self):
        return f"{self.name or '(erased)'} [{self.status}]"


class OutgoingEmail(models.Model):
    """An email to a signer, written in the same transaction as the change that calls for it.

    The row is the source of truth (a transactional outbox): the Celery task that sends it only
    carries its id, so a broker outage loses nothing and the sweep task sends what was never sent.
    The links inside are made at send time from signed tokens, so nothing secret is stored here.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Confirm your signature"
        ALREADY_SIGNED = "already_signed", "You have already signed"
        APPROVED = "approved", "Your signature is public"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed after every retry"
        CANCELLED = "cancelled", "No longer needed"

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


class WatchlistEntry(models.Model):
    """A high-profile name: a signature with it is never approved in bulk, and approving it
    needs a note on how the moderator checked it is really that person."""

    name = models.CharField(max_length=Signature.NAME_MAX)
    name_key = models.CharField(max_length=Signature.NAME_MAX, unique=True, editable=False)
    note = models.CharField(max_length=300, blank=True, help_text="Who this is, how to reach them to check.")
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
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        FEATURE = "feature", "Featured"
        UNFEATURE = "unfeature", "Unfeatured"
        EDIT = "edit", "Edited"
        IMPORT = "import", "Imported"
        DOMAIN = "domain", "Email domain confirmed for the organization"
        WITHDRAW = "withdraw", "Withdrawn by the signer"
        UNDO_REJECT = "unreject", "Reject undone"

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="Kept if the account is deleted.")
    action = models.CharField(max_length=10, choices=Action.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    bulk = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} #{self.signature_id} by {self.actor_email or 'signer'}"


class DailyDigest(models.Model):
    """Digests published before the transparency log replaced them (a dated CSV recomputed
    from today's data stopped matching its digest after the first withdrawal). Kept as a record
    of what was published; nothing writes or shows them any more."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    count = models.PositiveIntegerField()
    # Public signatures withdrawn during the day: removals are visible, not silent (the names
    # themselves are erased).
    withdrawn = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["letter", "day"], name="one_digest_per_letter_day")]

    def __str__(self):
        return f"{self.letter.slug} {self.day}: {self.sha256[:12]}…"


# --- Organizations and their confirmed email domains -------------------------------------------


class Organization(models.Model):
    """An organization signers name, with the email domains moderators confirmed as its own.

    A signature is at the "domain" level only when it names the organization (its name or an
    alias, compared case- and accent-blind) and its email is at one of these domains or under one.
    A domain that merely looks like the name (microsoft-careers.net) proves nothing."""

    name = models.CharField(max_length=Signature.ORGANIZATION_MAX, unique=True)
    aliases = models.TextField(blank=True, help_text="Other names signers use for it, one a line.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def name_keys(self) -> set[str]:
        """The folded forms of its name and aliases, as `names.organization_key` makes them."""
        from .names import organization_key

        return {key for key in map(organization_key, [self.name, *self.aliases.splitlines()]) if key}


class OrganizationDomain(models.Model):
    """An email domain a moderator confirmed for an organization, with what they checked. It
    covers its subdomains (example.ac.uk covers cs.example.ac.uk). One owner per domain."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    evidence = models.TextField(help_text="What the moderator checked: a page, a call, a DNS record.")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by_email = models.CharField(max_length=254, blank=True, help_text="Kept if the account is deleted.")
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return f"{self.domain} ({self.organization.name})"


# --- The transparency log (signatures/services/log.py writes it) -------------------------------


class LogHead(models.Model):
    """How many leaves a letter's transparency log has. Every append locks this row, so one
    letter's leaves are numbered by one writer at a time, in commit order."""

    letter = models.OneToOneField("letter.Letter", on_delete=models.CASCADE, primary_key=True, related_name="+")
    size = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"log of letter {self.letter_id}: {self.size} leaves"


class LogLeaf(models.Model):
    """One change to a letter's public list, as an RFC 9162 leaf. A published (or edited) row's
    data is its CSV line; a removal's is "removed,<public id>". Only `data` ever changes: a
    withdrawal erases it and keeps the hash, which is what the tree and its proofs commit to."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published or edited"
        REMOVED = "removed", "Removed from the list"

    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="+")
    index = models.BigIntegerField()
    leaf_hash = models.BinaryField(max_length=32)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public_id = models.CharField(max_length=16)
    data = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "index"], name="one_log_leaf_per_index")]
        indexes = [
            models.Index(fields=["letter", "leaf_hash"], name="log_leaf_hash_idx"),
            models.Index(fields=["letter", "public_id"], name="log_leaf_public_id_idx"),
        ]

    def __str__(self):
        return f"leaf {self.index} of letter {self.letter_id} ({self.kind})"


class LogNode(models.Model):
    """The hash of a complete subtree of a letter's log above the leaves: 2**level leaves from
    index * 2**level. Written once when its last leaf is appended, never changed; any root or
    proof is a few dozen of these."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "level", "index"], name="one_log_node_per_position")]

    def __str__(self):
        return f"node {self.level}/{self.index} of letter {self.letter_id}"


class Checkpoint(models.Model):
    """A signed checkpoint of a letter's log (C2SP tlog-checkpoint): kept, so that anyone holding
    an old one can ask for a consistency proof from it."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="checkpoints")
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tree_size"]
        constraints = [models.UniqueConstraint(fields=["letter", "tree_size"], name="one_checkpoint_per_size")]

    def __str__(self):
        return f"checkpoint {self.tree_size} of letter {self.letter_id}"
