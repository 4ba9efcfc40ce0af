from django.contrib import admin

from .models import (
    Delivery,
    ModerationEvent,
    Organization,
    OrganizationDomain,
    OutgoingEmail,
    Signature,
    Update,
    WatchlistEntry,
)
from .names import name_key


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: the records it shows are written by services that keep the
    audit log (and the transparency log) in step."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OutgoingEmailInline(ReadOnlyInline):
    model = OutgoingEmail
    fields = ["kind", "status", "created_at", "sent_at", "attempts", "last_error"]
    readonly_fields = fields


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    """Read-only: every change to a signature goes through the moderation pages, whose services
    keep the audit log, the name key and the public list's log in step. An edit here would skip
    all three."""

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


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    """High-profile names: signatures with them need a one-by-one approval with a note."""

    list_display = ["name", "note", "created_at"]
    search_fields = ["name", "note"]
    fields = ["name", "note"]

    def save_model(self, request, obj, form, change):
        obj.name_key = name_key(obj.name)
        super().save_model(request, obj, form, change)


class OrganizationDomainInline(ReadOnlyInline):
    """Read-only here: a domain is confirmed from a signature's moderation page, which records the
    evidence and raises the signatures it covers."""

    model = OrganizationDomain
    fields = ["domain", "evidence", "confirmed_by_email", "confirmed_at"]
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Names and aliases (one a line) that signers use for an organization; its confirmed
    domains count only for signatures naming one of them."""

    list_display = ["name", "created_at"]
    search_fields = ["name", "aliases", "domains__domain"]
    fields = ["name", "aliases"]
    inlines = [OrganizationDomainInline]


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only: decisions are recorded by the moderation pages."""

    list_display = ["created_at", "actor_email", "action", "signature", "bulk", "note"]
    list_filter = ["action", "bulk"]
    search_fields = ["actor_email", "note", "signature__public_id"]
    raw_id_fields = ["signature"]
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Deliveries, read-only: recorded on the moderation deliveries page, bound to a checkpoint."""

    list_display = ["delivered_at", "letter", "recipient", "method", "checkpoint", "recorded_by"]
    list_filter = ["letter"]


@admin.register(Update)
class UpdateAdmin(ReadOnlyAdmin):
    """Updates, read-only: written on the moderation updates page (sanitised, then emailed)."""

    list_display = ["published_at", "letter", "title", "email_signers", "sending_done_at"]
    list_filter = ["letter"]
