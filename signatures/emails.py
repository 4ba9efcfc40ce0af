"""The one way we render mail: signatures/email/<name>_subject.txt, _message.txt, _message.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Signature
from .tokens import details_digest, make_confirm_token, make_withdraw_token


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


def build_signature_email(kind: str, signature: Signature) -> EmailMultiAlternatives:
    context = {
        "signature": signature,
        "letter": signature.letter,
        "confirm_days": settings.CONFIRM_TOKEN_MAX_AGE // 86400,
        **signature_links(signature),
    }
    return render_mail(kind, context, [signature.email])
