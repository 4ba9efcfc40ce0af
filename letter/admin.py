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
    list_display = ["title", "slug", "state", "go_live_at", "is_primary", "current_version", "updated_at"]
    list_filter = ["state", "is_primary"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "addressees", "summary", "body", "state", "go_live_at", "is_primary", "press_contact"]
    # The state changes only through the launch actions (moderation/admin.py), which audit the
    # change and drop the cached pages; a plain field edit would do neither.
    readonly_fields = ["state"]
    inlines = [LetterVersionInline]

    def save_model(self, request, obj, form, change):
        # Through the service, so that changed text makes a new version.
        letter_save(letter=obj)
