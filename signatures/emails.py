"""The one way we render mail: signatures/email/<name>_subject.txt, _message.txt, _message.html."""

from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Signature
from .tokens import details_digest, make_confirm_token, make_unsubscribe_token, make_withdraw_token


def render_mail(name: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    prefix = f"signatures/email/{name}"
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())  # one line
    text = render_to_string(f"{prefix}_message.txt", context)
    html = render_to_string(f"{prefix}_message.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def signature_links(signature: Signature) -> dict:
    """Absolute confirm and "your signature" links for a signature, made fresh each time. The
    "your signature" page (status, corrections, withdrawal) takes the withdraw token."""
    withdraw_token = make_withdraw_token(signature.public_id)
    return {
        "confirm_url": absolute(
            reverse("signatures:confirm", args=[make_confirm_token(signature.public_id, details_digest(signature))])
        ),
        "withdraw_url": absolute(reverse("signatures:withdraw", args=[withdraw_token])),
        "signature_url": absolute(reverse("launch:your_signature", args=[withdraw_token])),
        "letter_url": absolute(signature.letter.get_absolute_url()),
    }


def unsubscribe_headers(unsubscribe_url: str, public_id: str) -> dict:
    """One-click unsubscribe (RFC 8058): the HTTPS link a mail client POSTs to, and a mailto for
    clients that only write. The mailbox is UPDATES_UNSUBSCRIBE_EMAIL (default: the sender)."""
    mailbox = settings.UPDATES_UNSUBSCRIBE_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    mailto = f"mailto:{mailbox}?subject={quote(f'unsubscribe {public_id}')}"
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def build_signature_email(kind: str, signature: Signature, update=None) -> EmailMultiAlternatives:
    """The email `kind` for a signer, in the language of the pages they signed on."""
    language = signature.language or settings.LANGUAGE_CODE
    with translation.override(language):
        message = _signature_email(kind, signature, update)
    message.extra_headers["Content-Language"] = language
    return message


def _signature_email(kind: str, signature: Signature, update) -> EmailMultiAlternatives:
    context = {
        "signature": signature,
        "letter": signature.letter,
        # The title of the text they read: the translation's for a signer who read one.
        "letter_title": signature.version.title,
        "confirm_days": settings.CONFIRM_TOKEN_MAX_AGE // 86400,
        **signature_links(signature),
    }
    if update is None:
        return render_mail(kind, context, [signature.email])
    unsubscribe_url = absolute(reverse("signatures:unsubscribe", args=[make_unsubscribe_token(signature.public_id)]))
    message = render_mail(kind, {**context, "update": update, "unsubscribe_url": unsubscribe_url}, [signature.email])
    message.extra_headers.update(unsubscribe_headers(unsubscribe_url, signature.public_id))
    return message
