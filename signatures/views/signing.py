"""The signing path: the letter page with its sign form, the sign POST, confirm and withdraw.

The letter page is the busiest page under a surge, so it carries no per-visitor bytes: no CSRF
token (the sign view is exempt and checks where the POST comes from instead, see
`_cross_site`) and a form timestamp fixed when the page was rendered. A shared cache (Redis
here, the proxy in front) can hand the same bytes to every anonymous reader.
"""

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from freefable.http import limit, see_other
from freefable.ratelimits import client_ip
from letter.models import Letter
from letter.selectors import letter_get_open, letter_get_published, letter_version_for, letter_version_read

from .. import abuse
from ..forms import SignatureForm
from ..models import Signature, Update
from ..selectors import cache as page_cache
from ..selectors.public import featured_signatures, public_count, recent_signatures
from ..services import signing
from ..services.launch import InvitationRefused, signature_create_invited
from ..signer_forms import InvitedSignatureForm
from ..tokens import details_digest, read_confirm_token, read_withdraw_token
from . import launch


def _people(letter: Letter) -> tuple:
    key = f"letter:{letter.pk}:people:{page_cache.list_generation(letter.pk)}"
    people = cache.get(key)
    if people is None:
        people = (featured_signatures(letter=letter), recent_signatures(letter=letter))
        cache.set(key, people, 300)
    return people


UPDATES_SHOWN = 3


def _letter_context(letter: Letter, form: SignatureForm | None) -> dict:
    featured, recent = _people(letter)
    version = letter_version_for(letter, translation.get_language())
    return {
        "letter": letter,
        "version": version,
        "count": public_count(letter=letter),
        "featured": featured,
        "recent": recent,
        # Shown with the cached page: update_publish drops it (public_list_changed).
        "updates": list(Update.objects.filter(letter=letter)[:UPDATES_SHOWN]),
        "form": form or SignatureForm(initial={"version": version.pk}),
        "form_ts": abuse.form_timestamp(),
    }


def letter_page(request, letter: Letter):
    # Per language (public_page adds it to the key) and per version of the text it shows.
    version = letter_version_for(letter, translation.get_language())
    return page_cache.public_page(
        request,
        letter_id=letter.pk,
        name=f"letter:{version.pk}",
        parts=(),
        template="letter/detail.html",
        context=lambda: _letter_context(letter, None),
    )


def home(request):
    return letter_page(request, letter_get_published())


def detail(request, slug):
    return letter_page(request, letter_get_published(slug=slug))


def _origin_allowed(origin: str, request) -> bool:
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        return urlsplit(origin).netloc == request.get_host()
    except ValueError:
        return False


def _cross_site(request) -> bool:
    """A POST that a browser says comes from another site. Browsers send Origin on every POST
    and Sec-Fetch-Site where they support it; a script that sends neither is served like a
    browser (the contract lets scripts post) and its signature still needs the emailed link."""
    if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
        return True
    origin = request.headers.get("Origin", "")
    return bool(origin) and (origin == "null" or not _origin_allowed(origin, request))


def email_key(group, request):
    return signing.email_normalize(request.POST.get("email", ""))[:254]


def email_rate(group, request):
    """The per-address limit, for posts that carry an address. A blank or malformed email is no
    one's address: counting those under one key would soon answer everyone who forgot to type
    theirs with "Too many attempts" instead of the form's "Enter your email address" (and lose
    what they typed). The per-network limit still counts those posts."""
    try:
        validate_email(email_key(group, request))
    except ValidationError:
        return None  # django-ratelimit: no rate, no limit
    return settings.RATELIMITS["sign_email"]


# "Check your email" shows the address to the browser that typed it, and nobody else: a signed
# cookie set on the sign POST's 303, sent back only to the check-email page (its path), read by
# that page's view and rendered in a private, uncached response. The letter page and every
# other shared page never see it, so they stay the same bytes for everyone.
SENT_COOKIE = "signed_with"
SENT_COOKIE_SALT = "signatures.check_email"
SENT_COOKIE_AGE = 3600


def _remember_address(response, request, letter: Letter, email: str) -> None:
    value = json.dumps({"email": email, "at": int(time.time())})
    response.set_signed_cookie(
        SENT_COOKIE,
        value,
        salt=SENT_COOKIE_SALT,
        max_age=SENT_COOKIE_AGE,
        path=reverse("signatures:check_email", kwargs={"slug": letter.slug}),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _address_sent_to(request) -> dict | None:
    """The address this browser signed with, and when a new link can be asked for."""
    raw = request.get_signed_cookie(SENT_COOKIE, default=None, salt=SENT_COOKIE_SALT, max_age=SENT_COOKIE_AGE)
    try:
        data = json.loads(raw) if raw else None
        at = float(data["at"])
        email = str(data["email"])
    except (ValueError, TypeError, KeyError):
        return None
    resend_at = datetime.fromtimestamp(at + settings.EMAIL_RESEND_COOLDOWN, tz=UTC)
    return {"email": email, "resend_at": resend_at, "can_resend": timezone.now() >= resend_at}


@csrf_exempt  # anonymous and sessionless: checked by _cross_site instead, so the page can be shared
@require_http_methods(["GET", "POST"])
@ratelimit(group="sign-ip", key="ip", rate=limit("sign_ip"), method="POST", block=True)
@ratelimit(group="sign-email", key=email_key, rate=email_rate, method="POST", block=True)
def sign(request, slug):
    letter = letter_get_open(slug=slug)  # live, closed, or collecting (by invitation)
    if request.method == "GET":  # a bookmarked or reloaded form address
        return HttpResponseRedirect(letter.get_absolute_url() + "#sign")
    if _cross_site(request):
        raise PermissionDenied(gettext("Signing is only possible from this site's own form."))
    refusal, invitation = launch.sign_gate(request, letter)
    if refusal is not None:
        return refusal
    done = see_other(reverse("signatures:check_email", kwargs={"slug": letter.slug}))
    trap = abuse.trap_reason(request.POST)
    if trap:
        # Answer as if it worked, keep nothing: a bot learns nothing to adapt to.
        abuse.logger.warning("bot trap on %s: %s", letter.slug, trap)
        return done
    form = SignatureForm(request.POST)
    if not form.is_valid():
        if invitation is not None:  # the invitation page again, its token kept in the form
            form = InvitedSignatureForm(request.POST)
            form.is_valid()
            context = launch.invitation_context(letter, invitation, form)
            return launch.private_page(request, "signatures/invitation.html", context, status=400)
        response = render(request, "letter/detail.html", _letter_context(letter, form), status=400)
        return page_cache.mark_private(response)
    fields = {
        "network_hash": abuse.network_hash(client_ip(request)),
        "loaded_form": bool(request.POST.get("ts")),
        **form.cleaned_data,
    }
    language = translation.get_language()
    fields["version"] = letter_version_read(letter, fields.pop("version", None), language)
    fields["language"] = language
    try:
        if invitation is None:
            signing.signature_create(letter=letter, **fields)
        else:
            signature_create_invited(invitation=invitation, **fields)
    except InvitationRefused as exc:  # its last use went to someone else a moment ago
        if letter.state != Letter.State.LIVE:
            return launch.refused(request, letter, exc.reason, 410)
        signing.signature_create(letter=letter, **fields)
    _remember_address(done, request, letter, form.cleaned_data["email"])
    return done


def _open_letter_page(request, slug, template, context):
    """A signer's page about a letter that may be collecting: private, and not indexed until
    the letter is public."""
    letter = letter_get_open(slug=slug)  # never a draft's title
    context = {**context, "letter": letter, "noindex": not letter.published}
    response = page_cache.mark_private(render(request, template, context))
    return response if letter.published else launch.noindex(response)


def check_email(request, slug):
    context = {"sent": _address_sent_to(request), "cooldown": settings.EMAIL_RESEND_COOLDOWN}
    return _open_letter_page(request, slug, "signatures/check_email.html", context)


def _signature_for(public_id: str) -> Signature:
    signature = Signature.objects.select_related("letter").filter(public_id=public_id).first()
    if signature is None:
        raise Http404(gettext("This link is not valid."))
    return signature


@require_http_methods(["GET", "POST"])
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method=ratelimit.ALL, block=True)
def confirm(request, token):
    """GET asks, POST confirms: mail scanners follow links, and must not sign for anyone."""
    data = read_confirm_token(token)
    if data is None:
        raise Http404(gettext("This link is not valid."))
    signature = _signature_for(data.public_id)
    context = {"signature": signature, "letter": signature.letter, "token": token}
    if signature.status != Signature.Status.PENDING:
        return render(request, "signatures/confirm_used.html", context, status=410)
    if data.expired:
        return render(request, "signatures/confirm_expired.html", context, status=410)
    changed = render(request, "signatures/confirm_changed.html", context, status=409)
    if data.digest and data.digest != details_digest(signature):
        return changed  # the page shows only details this link may confirm
    if request.method == "POST":
        try:
            signing.signature_confirm(public_id=signature.public_id, digest=data.digest)
        except signing.DetailsChanged:  # replaced between the page and the button
            return changed
        return see_other(reverse("signatures:confirmed", kwargs={"slug": signature.letter.slug}))
    return render(request, "signatures/confirm.html", context)


@require_POST
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method="POST", block=True)
def confirm_resend(request, token):
    """From an expired link: send a fresh one to the address that signed."""
    data = read_confirm_token(token)
    if data is None:
        raise Http404(gettext("This link is not valid."))
    signature = _signature_for(data.public_id)
    signing.signature_resend_confirmation(public_id=signature.public_id)
    return see_other(reverse("signatures:check_email", kwargs={"slug": signature.letter.slug}))


def confirmed(request, slug):
    return _open_letter_page(request, slug, "signatures/confirmed.html", {})


@require_http_methods(["GET", "POST"])
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method=ratelimit.ALL, block=True)
def withdraw(request, token):
    """GET asks, POST withdraws and erases the signer's personal data."""
    data = read_withdraw_token(token)
    if data is None:
        raise Http404(gettext("This link is not valid."))
    signature = _signature_for(data.public_id)
    context = {"signature": signature, "letter": signature.letter, "token": token}
    if signature.status == Signature.Status.WITHDRAWN:
        return render(request, "signatures/withdraw_done.html", context, status=410)
    if request.method == "POST":
        signing.signature_withdraw(public_id=signature.public_id)
        return see_other(reverse("signatures:withdrawn", kwargs={"slug": signature.letter.slug}))
    return render(request, "signatures/withdraw.html", context)


def withdrawn(request, slug):
    return _open_letter_page(request, slug, "signatures/withdraw_done.html", {})
