from django.db import models
from django.db.models import Q
from django.urls import reverse


class LetterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Letter(models.Model):
    """An open letter. Its text lives in versions; `current_version` is the one people sign."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    addressees = models.CharField(max_length=300, blank=True, help_text="Who the letter is addressed to.")
    summary = models.CharField(max_length=300, blank=True, help_text="One or two sentences for link previews.")
    body = models.TextField(help_text="Markdown. Saving changed text makes a new version.")
    published = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False, help_text="Served at the site root.")
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


class LetterVersion(models.Model):
    """A frozen text of a letter. Signatures point at the version they signed."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    body_html = models.TextField(help_text="The body rendered and sanitised, kept so pages never re-render it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["letter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="unique_letter_version_number"),
        ]

    def __str__(self):
        return f"{self.letter.slug} v{self.number}"
