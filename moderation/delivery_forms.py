"""The form of the deliveries page. It checks input and never writes;
moderation/delivery_views.py calls signatures.services.deliveries."""

from django import forms
from django.utils.translation import gettext_lazy as _

from signatures.models import Delivery


class DeliveryForm(forms.Form):
    delivered_at = forms.DateTimeField(
        label=_("Delivered at (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        # A value without a zone is read in TIME_ZONE, which is UTC: what the label says.
    )
    recipient = forms.CharField(
        label=_("To whom"),
        max_length=Delivery._meta.get_field("recipient").max_length,
        help_text=_("A person, an office or an institution, as the press page should name them."),
    )
    method = forms.CharField(
        label=_("How"),
        max_length=Delivery._meta.get_field("method").max_length,
        help_text=_("For example: by hand at a meeting, by email, by post."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the press page."),
    )
