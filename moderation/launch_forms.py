"""Forms of the launch page: state, schedule, invitations and press previews. They check input
and never write; moderation/launch_views.py calls the services."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letter.models import Letter

LABEL_MAX = 200
PREVIEW_DAYS_MAX = 60


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=Letter.State.choices)


class ScheduleForm(forms.Form):
    go_live_at = forms.DateTimeField(
        label=_("Goes live at (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        # A value without a zone is read in TIME_ZONE, which is UTC: what the label says.
        help_text=_("Empty: it goes live only when you press 'Make live'."),
    )


class InvitationForm(forms.Form):
    prefix = "invitation"  # one page holds this form and the preview form: distinct ids
    label = forms.CharField(
        label=_("Invitee or group"),
        max_length=LABEL_MAX,
        help_text=_("Who it is for: a person's name for a personal link, or a group for a shared one."),
    )
    max_uses = forms.IntegerField(
        label=_("Signatures it allows"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=_("1 for one invitee; empty for a shared link without a limit."),
    )


class PressPreviewForm(forms.Form):
    prefix = "preview"
    label = forms.CharField(
        label=_("Journalist or newsroom"),
        max_length=LABEL_MAX,
        help_text=_("Who it is for: it is shown on the preview."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=PREVIEW_DAYS_MAX, initial=7)

    def expires_at(self):
        return timezone.now() + timedelta(days=self.cleaned_data["days"])
