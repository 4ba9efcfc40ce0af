"""The sign form: checks and normalises input, explains every refusal. It never writes or sends."""

import re
import unicodedata

from django import forms
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .domains import looks_like_domain
from .models import UPDATES_CONSENT_TEXT, Signature
from .names import clean_name_text

# The start of a web address: no place in a person's name. Host names themselves are found
# with the Public Suffix List (domains.looks_like_domain).
WEB_ADDRESS = re.compile(r"(https?:|ftp:|www\.|//)", re.IGNORECASE)
# A URL scheme ("mailto:", "javascript:"), but not "host:8080".
SCHEME = re.compile(r"^([a-z][a-z0-9+-]*):(?!\d)", re.IGNORECASE)
# Bidirectional overrides and isolates can make a name display as something else: refused, with
# a message, rather than silently dropped like the other invisible characters.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F) but tab and line
# breaks, and the bidirectional controls: one regular expression, as the import checks every row.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")

# What a free-text field with control characters is told, by field.
CONTROL_CHARACTER_MESSAGES = {
    "name": _("Your name contains invisible control characters; please retype it."),
    "title": _("The title contains invisible control characters; please retype it."),
    "organization": _("The organization contains invisible control characters; please retype it."),
}
# Django fills in %(limit_value)d (the field's max_length) when it shows the message.
LINK_TOO_LONG = _("Please use a link of at most %(limit_value)d characters.")


# Django's validators compile their regular expressions lazily, behind a proxy object that costs
# more per call than the match itself; these use the same expressions, compiled once.
class _CompiledURLValidator(URLValidator):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)  # which wraps the class's expression lazily again
        self.regex = re.compile(URLValidator.regex.pattern, URLValidator.regex.flags)


class _CompiledEmailValidator(EmailValidator):
    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


class _EmailField(forms.EmailField):
    default_validators = [_CompiledEmailValidator()]


# One validator for every link (building one per link cost more than the check itself, and the
# import checks thousands), and white space found by one search (\s is what str.isspace() is).
WEB_LINK = _CompiledURLValidator(schemes=["http", "https"])
WHITE_SPACE = re.compile(r"\s")


def has_control_characters(value: str) -> bool:
    """Control characters other than tab and line breaks (white space, folded by clean_name_text)."""
    return CONTROL_CHARACTERS.search(value) is not None


class SignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"),
        max_length=Signature.NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Please enter your name."),
            "max_length": _("Please shorten your name to %(limit_value)d characters or fewer."),
        },
    )
    email = _EmailField(
        label=_("Email"),
        max_length=Signature.EMAIL_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We email you a link to confirm. Your email is never published."),
        error_messages={
            "required": _("Please enter your email address; we send a link to it to confirm your signature."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
            "max_length": _("An email address can have at most %(limit_value)d characters."),
        },
    )
    title = forms.CharField(
        label=_("Title or role"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
        max_length=Signature.TITLE_MAX,
        error_messages={"max_length": _("Please shorten your title to %(limit_value)d characters or fewer.")},
    )
    organization = forms.CharField(
        label=_("Organization"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        max_length=Signature.ORGANIZATION_MAX,
        help_text=_("For identification only."),
        error_messages={"max_length": _("Please shorten the organization to %(limit_value)d characters or fewer.")},
    )
    link = forms.CharField(
        label=_("Link"),  # the template marks every optional field "(optional)"
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"}),
        max_length=Signature.LINK_MAX,
        help_text=_("A public page that shows who you are, e.g. your profile at your organization."),
        error_messages={"max_length": LINK_TOO_LONG},
    )
    # Unticked unless the signer ticks it; its label is the wording kept with their consent.
    updates = forms.BooleanField(label=UPDATES_CONSENT_TEXT, required=False)
    # The letter version the page showed (its id): the signature records the text its signer
    # read. Not validated here: the view keeps a version of this letter, else the current one.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def _clean_free_text(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        if has_control_characters(value):
            raise forms.ValidationError(CONTROL_CHARACTER_MESSAGES[field])
        # Invisible characters (zero-width space, soft hyphen, ...) are dropped: a name must read
        # the way it is stored, and compare the way it reads.
        return clean_name_text(value)

    def clean_name(self):
        name = self._clean_free_text("name")
        if not name:
            raise forms.ValidationError(gettext("Please enter your name."))
        if WEB_ADDRESS.search(name) or "@" in name:
            raise forms.ValidationError(gettext("Please enter just your name, without web addresses or emails."))
        if looks_like_domain(name):
            raise forms.ValidationError(
                gettext(
                    "Please enter just your name, without web addresses. "
                    "If a dot in your name is followed by a letter, add a space after the dot."
                )
            )
        if "<" in name or ">" in name:
            raise forms.ValidationError(gettext("Please enter your name without < or > characters."))
        if not any(ch.isalpha() for ch in name):
            raise forms.ValidationError(gettext("Please enter your name in letters."))
        return name

    def clean_email(self):
        email = unicodedata.normalize("NFKC", self.cleaned_data["email"]).strip()
        if has_control_characters(email):
            raise forms.ValidationError(gettext("Please enter a valid email address, like name@example.org."))
        return email

    def clean_title(self):
        return self._clean_free_text("title")

    def clean_organization(self):
        return self._clean_free_text("organization")

    def clean_link(self):
        link = self.cleaned_data.get("link", "").strip()
        if not link:
            return ""
        if has_control_characters(link) or WHITE_SPACE.search(link):
            raise forms.ValidationError(gettext("A link cannot contain spaces or control characters."))
        scheme = SCHEME.match(link)
        if scheme is None:
            link = "https://" + link  # "example.org/me" is a web address without its scheme
        elif scheme.group(1).lower() not in ("http", "https"):
            raise forms.ValidationError(gettext("Only web links starting with http:// or https:// are accepted."))
        try:
            WEB_LINK(link)
        except forms.ValidationError:
            raise forms.ValidationError(
                gettext("Please enter a valid web address, like https://example.org/about.")
            ) from None
        if len(link) > Signature.LINK_MAX:
            raise forms.ValidationError(LINK_TOO_LONG, params={"limit_value": Signature.LINK_MAX})
        return link
