from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from freefable.ratelimits import client_ip
from letter.models import Letter
from letter.selectors import letter_get_published
from letter.views import letter_page

from . import abuse, services
from .forms import SignatureForm
from .models import Signature
from .tokens import read_confirm_token, read_withdraw_token


def see_other(url: str) -> HttpResponseRedirect:
    """POST, then redirect with 303 so the browser GETs the next page."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def limit(name):
    """The configured rate for one of settings.RATELIMITS, read per request so tests can change it."""
    return lambda group, request: settings.RATELIMITS[name]


def email_key(group, request):
    return services.email_normalize(request.POST.get("email", ""))[:254]


@require_http_methods(["GET", "POST"])
@ratelimit(group="sign-ip", key="ip", rate=limit("sign_ip"), method="POST", block=True)
@ratelimit(group="sign-email", key=email_key, rate=limit("sign_email"), method="POST", block=True)
def sign(request, slug):
    letter = letter_get_published(slug=slug)
    if request.method == "GET":  # a bookmarked or reloaded form address
        return HttpResponseRedirect(letter.get_absolute_url() + "#sign")
    done = see_other(reverse("signatures:check_email", kwargs={"slug": letter.slug}))
    trap = abuse.trap_reason(request.POST)
    if trap:
        # Answer as if it worked, keep nothing: a bot learns nothing to adapt to.
        abuse.logger.warning("bot trap on %s: %s", letter.slug, trap)
        return done
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return letter_page(request, letter, form=form, status=400)
    services.signature_create(
        letter=letter,
        network_hash=abuse.network_hash(client_ip(request)),
        loaded_form=bool(request.POST.get("ts")),
        **form.cleaned_data,
    )
    return done


def check_email(request, slug):
    letter = letter_get_published(slug=slug)
    return render(request, "signatures/check_email.html", {"letter": letter})


def _signature_for(public_id: str) -> Signature:
    signature = Signature.objects.select_related("letter").filter(public_id=public_id).first()
    if signature is None:
        raise Http404("This link is not valid.")
    return signature


@require_http_methods(["GET", "POST"])
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method=ratelimit.ALL, block=True)
def confirm(request, token):
    """GET asks, POST confirms: mail scanners follow links, and must not sign for anyone."""
    data = read_confirm_token(token)
    if data is None:
        raise Http404("This link is not valid.")
    signature = _signature_for(data.public_id)
    context = {"signature": signature, "letter": signature.letter, "token": token}
    if signature.status != Signature.Status.PENDING:
        return render(request, "signatures/confirm_used.html", context, status=410)
    if data.expired:
        return render(request, "signatures/confirm_expired.html", context, status=410)
    if request.method == "POST":
        services.signature_confirm(public_id=signature.public_id)
        return see_other(reverse("signatures:confirmed", kwargs={"slug": signature.letter.slug}))
    return render(request, "signatures/confirm.html", context)


@require_POST
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method="POST", block=True)
def confirm_resend(request, token):
    """From an expired link: send a fresh one to the address that signed."""
    data = read_confirm_token(token)
    if data is None:
        raise Http404("This link is not valid.")
    signature = _signature_for(data.public_id)
    services.signature_resend_confirmation(public_id=signature.public_id)
    return see_other(reverse("signatures:check_email", kwargs={"slug": signature.letter.slug}))


def confirmed(request, slug):
    letter = get_object_or_404(Letter, slug=slug)
    return render(request, "signatures/confirmed.html", {"letter": letter})


@require_http_methods(["GET", "POST"])
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method=ratelimit.ALL, block=True)
def withdraw(request, token):
    """GET asks, POST withdraws and erases the signer's personal data."""
    data = read_withdraw_token(token)
    if data is None:
        raise Http404("This link is not valid.")
    signature = _signature_for(data.public_id)
    context = {"signature": signature, "letter": signature.letter, "token": token}
    if signature.status == Signature.Status.WITHDRAWN:
        return render(request, "signatures/withdraw_done.html", context, status=410)
    if request.method == "POST":
        services.signature_withdraw(public_id=signature.public_id)
        return see_other(reverse("signatures:withdrawn", kwargs={"slug": signature.letter.slug}))
    return render(request, "signatures/withdraw.html", context)


def withdrawn(request, slug):
    letter = get_object_or_404(Letter, slug=slug)
    return render(request, "signatures/withdraw_done.html", {"letter": letter})
