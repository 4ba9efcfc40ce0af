"""Forms for every moderation decision: they check and limit input, and never write."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from signatures.domains import email_domain, link_domain
from signatures.models import Signature

from .selectors import DEFAULT_FILTER, FILTERS

NOTE_MAX = 2000
BULK_ACTIONS = [
    ("approve", _("Approve")),
    ("reject", _("Reject")),
    ("feature", _("Feature")),
    ("unfeature", _("Unfeature")),
]
# Ticked rows come from one page of the queue; "all matching" sends the filter instead of ids.
TICKED_MAX = 500


def _one_line(value: str) -> str:
    return " ".join(value.split())


class ApproveForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        # Translators: %(limit_value)d is the most characters the field takes (Django fills it in).
        error_messages={"max_length": _("Please keep the note to %(limit_value)d characters.")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": _("Please keep the reason to %(limit_value)d characters.")},
    )


class EditForm(forms.Form):
    title = forms.CharField(required=False)
    organization = forms.CharField(required=False)

    def _clean_limited(self, field: str, limit: int) -> str:
        value = _one_line(self.cleaned_data.get(field, ""))
        if len(value) > limit:
            raise forms.ValidationError(gettext("Title and organization can have at most 150 characters each."))
        return value

    def clean_title(self):
        return self._clean_limited("title", Signature.TITLE_MAX)

    def clean_organization(self):
        return self._clean_limited("organization", Signature.ORGANIZATION_MAX)


class OrganizationDomainForm(forms.Form):
    """Confirm that an email domain is an organization's own, with the evidence used."""

    organization = forms.CharField(
        max_length=Signature.ORGANIZATION_MAX,
        error_messages={
            "required": _("Enter the organization's name."),
            "max_length": _("An organization's name has at most %(limit_value)d characters."),
        },
    )
    domain = forms.CharField(
        max_length=253,
        error_messages={
            "required": _("Enter the domain, like example.org."),
            "max_length": _("That domain is too long."),
        },
    )
    evidence = forms.CharField(
        max_length=NOTE_MAX,
        error_messages={
            "required": _("Say how you checked that this domain is the organization's."),
            "max_length": _("Please keep the evidence to %(limit_value)d characters."),
        },
    )

    def clean_domain(self):
        # A pasted address or link is taken for its domain; a web host's "www." is no mail domain.
        value = self.cleaned_data["domain"].strip()
        if "@" in value:
            value = email_domain(value)
        elif "/" in value:
            value = link_domain(value if "//" in value else f"https://{value}")
        return value.removeprefix("www.")


class WatchlistForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=Signature.NAME_MAX,
        error_messages={
            "required": _("Enter the name to watch."),
            "max_length": _("A name has at most %(limit_value)d characters."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("Who this is, and how to reach them to check that a signature is really theirs."),
        error_messages={"max_length": _("Please keep the note to %(limit_value)d characters.")},
    )

    def clean_name(self):
        return _one_line(self.cleaned_data["name"])

    def clean_note(self):
        return _one_line(self.cleaned_data["note"])


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=BULK_ACTIONS, error_messages={"required": _("Choose what to do with the selected signatures.")}
    )
    scope = forms.ChoiceField(choices=[("selected", _("Selected")), ("matching", _("All matching"))], required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    status = forms.ChoiceField(choices=[(k, v[0]) for k, v in FILTERS.items()], required=False)
    q = forms.CharField(required=False, max_length=200)
    reason = forms.CharField(required=False, max_length=NOTE_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number is a valid choice; the service decides which ones apply.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()
        self.fields["action"].error_messages["invalid_choice"] = _("Choose what to do with the selected signatures.")

    def clean_ids(self):
        return self.cleaned_data["ids"][:TICKED_MAX]

    def clean(self):
        data = super().clean()
        data["status"] = data.get("status") or DEFAULT_FILTER
        if data.get("scope") != "matching" and not data.get("ids") and "action" in data:
            raise forms.ValidationError(gettext("Select at least one signature."))
        return data
