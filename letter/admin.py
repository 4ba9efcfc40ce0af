from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext

from .models import Letter, LetterTranslation, LetterVersion
from .services import letter_save, letter_translation_save


class LetterVersionInline(admin.TabularInline):
    model = LetterVersion
    fields = ["language", "number", "title", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


LETTER_FIELDS = [
    "title",
    "slug",
    "language",
    "addressees",
    "summary",
    "body",
    "state",
    "go_live_at",
    "is_primary",
    "press_contact",
]


class LetterForm(forms.ModelForm):
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text="The language the letter is written in. Translations into others are added under Letter translations.",
    )

    def clean_language(self):
        # Left out of a post (an older form, a script): the letter keeps its language.
        return self.cleaned_data["language"] or self.instance.language or settings.LANGUAGE_CODE

    class Meta:
        model = Letter
        fields = LETTER_FIELDS


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    form = LetterForm
    list_display = ["title", "slug", "state", "go_live_at", "is_primary", "current_version", "updated_at"]
    list_filter = ["state", "is_primary"]
    prepopulated_fields = {"slug": ["title"]}
    fields = LETTER_FIELDS
    # The state changes only through the launch actions (moderation/admin.py), which audit the
    # change and drop the cached pages; a plain field edit would do neither.
    readonly_fields = ["state"]
    inlines = [LetterVersionInline]

    def save_model(self, request, obj, form, change):
        # Through the service, so that changed text makes a new version.
        letter_save(letter=obj)


class LetterTranslationForm(forms.ModelForm):
    language = forms.ChoiceField(choices=settings.LANGUAGES)

    class Meta:
        model = LetterTranslation
        fields = ["letter", "language", "title", "addressees", "summary", "body"]

    def clean(self):
        cleaned = super().clean()
        letter, language = cleaned.get("letter"), cleaned.get("language")
        if letter and language == letter.language:
            self.add_error(
                "language",
                gettext("The letter itself is in %(language)s: a translation is in another language.")
                % {"language": language},
            )
        return cleaned


@admin.register(LetterTranslation)
class LetterTranslationAdmin(admin.ModelAdmin):
    """A letter's text in another language. Saving changed text makes a new version in that
    language; readers of it then read and sign it (their signatures record that version)."""

    form = LetterTranslationForm
    list_display = ["letter", "language", "title", "current_version", "updated_at"]
    list_filter = ["language"]

    def save_model(self, request, obj, form, change):
        letter_translation_save(translation=obj)
