from django.contrib import admin

from .models import OutgoingEmail, Signature


class OutgoingEmailInline(admin.TabularInline):
    model = OutgoingEmail
    fields = ["kind", "status", "created_at", "sent_at", "attempts", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the moderation pages, which keep the audit log."""

    list_display = ["name", "organization", "letter", "status", "verification", "featured", "created_at"]
    list_filter = ["letter", "status", "verification", "featured", "email_failed"]
    search_fields = ["name", "organization", "email_normalized"]
    readonly_fields = [
        "public_id",
        "letter",
        "version",
        "email",
        "email_normalized",
        "status",
        "verification",
        "created_at",
        "verified_at",
        "approved_at",
        "rejected_at",
        "withdrawn_at",
        "moderated_by",
        "network_hash",
        "suspicious_reasons",
        "email_failed",
    ]
    fields = ["name", "title", "organization", "link", "featured", "moderation_note", *readonly_fields]
    inlines = [OutgoingEmailInline]
    list_select_related = ["letter"]
    show_full_result_count = False  # COUNT(*) over a large table on every admin page is slow


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "signature", "created_at", "sent_at", "attempts"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "signature",
        "kind",
        "status",
        "created_at",
        "sent_at",
        "attempts",
        "last_attempt_at",
        "last_error",
    ]
    raw_id_fields = ["signature"]
