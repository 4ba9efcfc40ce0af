import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LetterQuerySet(models.QuerySet):
    def published(self):
        """Letters the public may see: live ones, and closed ones (their list stays)."""
        return self.filter(state__in=Letter.PUBLIC_STATES)

    def due(self, now=None):
        """Collecting letters whose scheduled go-live moment has come."""
        return self.filter(state=Letter.State.COLLECTING, go_live_at__lte=now or timezone.now())


class Letter(models.Model):
    """An open letter. Its text lives in versions; `current_version` is the one people sign."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    addressees = models.CharField(max_length=300, blank=True, help_text=_("Who the letter is addressed to."))
    summary = models.CharField(max_length=300, blank=True, help_text=_("One or two sentences for link previews."))
    body = models.TextField(help_text=_("Markdown. Saving changed text makes a new version."))
    # The language the letter is written in; translations (LetterTranslation) add others.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    class State(models.TextChoices):
        # A launch goes draft -> collecting (signing by invitation, nothing public) -> live
        # (everything vetted appears at once) -> closed (no more signing; list and log stay).
        DRAFT = "draft", _("Draft")
        COLLECTING = "collecting", _("Collecting (by invitation, not public)")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    PUBLIC_STATES = (State.LIVE, State.CLOSED)

    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    go_live_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a collecting letter goes live by itself (UTC). Empty: by hand.")
    )
    is_primary = models.BooleanField(default=False, help_text=_("Served at the site root."))
    press_contact = models.CharField(max_length=300, blank=True)
    current_version = models.ForeignKey(
        "LetterVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "title"]
        constraints = [
            models.UniqueConstraint(fields=["is_primary"], condition=Q(is_primary=True), name="one_primary_letter"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("letter:detail", kwargs={"slug": self.slug})

    @property
    def published(self) -> bool:
        """Visible to the public (live or closed)."""
        return self.state in self.PUBLIC_STATES


class LetterVersion(models.Model):
    """A frozen text of a letter in one language. Signatures point at the version they read.
    Numbers count per language: the Spanish text's first version is "es" v1."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    body_html = models.TextField(help_text=_("The body rendered and sanitised, kept so pages never re-render it."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["letter", "language", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "language", "number"], name="unique_letter_version_number"),
        ]

    def __str__(self):
        return f"{self.letter.slug} {self.language} v{self.number}"


class LetterTranslation(models.Model):
    """The letter's text in another language, edited like the letter itself: saving changed
    text makes a new LetterVersion in that language (letter.services.letter_translation_save).
    Readers whose language has a translation read it and sign it; others read the original."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10, help_text=_("A code from settings.LANGUAGES, e.g. es."))
    title = models.CharField(max_length=200)
    addressees = models.CharField(
        max_length=300, blank=True, help_text=_("Who the letter is addressed to, in this language.")
    )
    summary = models.CharField(max_length=300, blank=True, help_text=_("One or two sentences for link previews."))
    body = models.TextField(help_text=_("Markdown. Saving changed text makes a new version in this language."))
    current_version = models.ForeignKey(
        LetterVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["letter", "language"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "language"], name="one_translation_per_language"),
        ]

    def __str__(self):
        return f"{self.letter.slug} ({self.language})"


class LetterStateChange(models.Model):
    """The audit of a letter's launch: one row per state change, with who (or "schedule")."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="state_changes")
    before = models.CharField(max_length=10, choices=Letter.State.choices)
    after = models.CharField(max_length=10, choices=Letter.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept if the account is deleted; "schedule" when the go-live time made the change.
    actor_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.letter.slug}: {self.before} -> {self.after} by {self.actor_label or 'unknown'}"


def new_link_token() -> str:
    """The secret part of an invitation or press preview link: 256 random bits."""
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A link that lets people sign a letter while it is collecting (not public yet): one shared
    link, or one per invitee (max_uses=1). Uses count signatures made through it."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="invitations")
    label = models.CharField(max_length=200, help_text=_("Who it is for, e.g. 'Security researchers list' or a name."))
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: unlimited."))
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=models.F("max_uses")), name="invitation_within_uses"
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.letter.slug})"

    def get_absolute_url(self):
        return reverse("launch:invitation", kwargs={"token": self.token})

    @property
    def used_up(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.used_up


class PressPreview(models.Model):
    """A read-only, expiring link for journalists under embargo: the letter and its list exactly
    as they will appear when it goes live."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="press_previews")
    label = models.CharField(max_length=200, help_text=_("Who it is for, e.g. a newsroom."))
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.label} ({self.letter.slug})"

    def get_absolute_url(self):
        return reverse("launch:press_preview", kwargs={"token": self.token})

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()
