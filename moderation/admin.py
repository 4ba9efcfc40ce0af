"""The admin's launch tools: state actions on letters (through the service, so each change is
audited and shows at once), and invitation and press preview links.

letter/admin.py registers the Letter admin; it may not import this app's services (letters
import nothing from signatures), so the admin with the actions is registered here, over it."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from letter.admin import LetterAdmin
from letter.models import Invitation, Letter, LetterStateChange, PressPreview
from signatures.admin import ReadOnlyAdmin
from signatures.services import launch

State = Letter.State


def _state_action(state: str, label: str):
    def action(modeladmin, request, queryset):
        for letter in queryset:
            try:
                _, changed = launch.letter_set_state(letter=letter, state=state, actor=request.user)
            except ValidationError as exc:
                modeladmin.message_user(request, f"{letter}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                if changed:
                    text = gettext("%(letter)s: now %(state)s.")
                    modeladmin.message_user(request, text % {"letter": letter, "state": State(state).label.lower()})

    action.__name__ = f"make_{state}"
    return admin.action(description=label)(action)


class LaunchLetterAdmin(LetterAdmin):
    actions = [
        _state_action(State.COLLECTING, _("Start collecting by invitation")),
        _state_action(State.LIVE, _("Make live")),
        _state_action(State.CLOSED, _("Close")),
        _state_action(State.DRAFT, _("Back to draft")),
    ]


admin.site.unregister(Letter)
admin.site.register(Letter, LaunchLetterAdmin)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["label", "letter", "uses", "max_uses", "revoked_at", "created_at"]
    list_filter = ["letter"]
    fields = ["letter", "label", "max_uses", "link", "uses", "revoked_at", "created_by", "created_at"]
    readonly_fields = ["link", "uses", "revoked_at", "created_by", "created_at"]
    actions = ["revoke"]

    @admin.display(description=_("Link"))
    def link(self, obj):
        return obj.get_absolute_url() if obj.pk else gettext("(made when saved)")

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "letter"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # A plain save: uses and revocation are read-only here (the service and the revoke
        # action change them), and the token is made with the row.
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request, queryset):
        revoked = sum(
            launch.invitation_revoke(invitation_id=pk, actor=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        text = ngettext("%(count)s link(s) revoked.", "%(count)s link(s) revoked.", revoked)
        self.message_user(request, text % {"count": revoked})


@admin.register(PressPreview)
class PressPreviewAdmin(admin.ModelAdmin):
    list_display = ["label", "letter", "expires_at", "created_at"]
    list_filter = ["letter"]
    fields = ["letter", "label", "expires_at", "link", "created_by", "created_at"]
    readonly_fields = ["link", "created_by", "created_at"]

    @admin.display(description=_("Link"))
    def link(self, obj):
        return obj.get_absolute_url() if obj.pk else gettext("(made when saved)")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(LetterStateChange)
class LetterStateChangeAdmin(ReadOnlyAdmin):
    """The launch audit: read-only."""

    list_display = ["letter", "before", "after", "actor_label", "created_at"]
    list_filter = ["letter"]
