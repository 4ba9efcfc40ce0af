"""Forms for signers beyond the sign form: signing through an invitation, and correcting one's
own signature ("your signature"). They check input; the views call the services."""

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import SignatureForm
from .models import Signature


class InvitedSignatureForm(SignatureForm):
    """The sign form as an invitation page serves it: the same fields and checks, plus the
    invitation's token in a hidden field, which the sign view needs while a letter is collecting."""

    invitation = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @property
    def signature_data(self) -> dict:
        """What `signature_create` takes: everything but the invitation."""
        return {k: v for k, v in self.cleaned_data.items() if k != "invitation"}


class YourSignatureForm(forms.Form):
    """What a signer may change about their own signature. The name is not here: a different
    name is a different signatory (withdraw and sign again)."""

    title = copy.deepcopy(SignatureForm.base_fields["title"])
    organization = copy.deepcopy(SignatureForm.base_fields["organization"])
    identification_only = forms.BooleanField(
        label=_("My affiliation is for identification only"),
        required=False,
        help_text=_("Shown beside your name: you sign as yourself, not on behalf of your organization."),
    )

    def __init__(self, *args, signature: Signature, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": signature.title,
                "organization": signature.organization,
                "identification_only": signature.identification_only,
            },
        )
        super().__init__(*args, **kwargs)

    # The sign form's own checks and clean-up of the same fields.
    _clean_free_text = SignatureForm._clean_free_text
    clean_title = SignatureForm.clean_title
    clean_organization = SignatureForm.clean_organization
