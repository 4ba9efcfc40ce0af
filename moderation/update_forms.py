"""The form of the updates page. It checks input and never writes;
moderation/update_views.py calls signatures.services.updates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from signatures.models import Update


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=Update._meta.get_field("title").max_length)
    body_markdown = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: **bold**, *italic*, [a link](https://…), lists. Anything else is removed."),
    )
    email_signers = forms.BooleanField(
        label=_("Also email it to the signers who asked for updates"),
        required=False,
        initial=True,
        help_text=_("Sent in batches over the next minutes; each email has a one-click unsubscribe."),
    )
