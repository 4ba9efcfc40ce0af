from django.contrib import admin

from .models import Letter, LetterVersion
from .services import letter_save


class LetterVersionInline(admin.TabularInline):
    model = LetterVersion
    fields = ["number", "title", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "is_primary", "current_version", "updated_at"]
    list_filter = ["published", "is_primary"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "addressees", "summary", "body", "published", "is_primary", "press_contact"]
    inlines = [LetterVersionInline]

    def save_model(self, request, obj, form, change):
        # Through the service, so that changed text makes a new version.
        letter_save(letter=obj)
