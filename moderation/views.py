"""The moderation queue: moderators review confirmed signatures before they are public."""

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from freefable.accounts import has_two_factor

from . import services
from .exports import csv_lines, csv_response
from .hints import hints_for_page
from .models import ModerationEvent, Signature
from .selectors import clean_query

PERMISSION = "signatures.moderate_signature"
PAGE_SIZE = 50

FILTERS = {
    # name: (label, filter, ordering)
    "awaiting": ("Awaiting review", Q(status=Signature.Status.VERIFIED), ("verified_at", "id")),
    "approved": ("Approved", Q(status=Signature.Status.APPROVED), ("-approved_at", "-id")),
    "rejected": ("Rejected", Q(status=Signature.Status.REJECTED), ("-rejected_at", "-id")),
    "featured": ("Featured", Q(status=Signature.Status.APPROVED, featured=True), ("-approved_at", "-id")),
    "suspicious": (
        "Suspicious",
        Q(status=Signature.Status.VERIFIED) & ~Q(suspicious_reasons=[]),
        ("verified_at", "id"),
    ),
    "unconfirmed": ("Unconfirmed", Q(status=Signature.Status.PENDING), ("-created_at", "-id")),
    "all": ("All", ~Q(status=Signature.Status.WITHDRAWN), ("-created_at", "-id")),
}


def moderator_required(view):
    """Log in, hold the moderate_signature permission, and (when required) use two-factor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        if settings.MODERATORS_REQUIRE_MFA and not has_two_factor(request.user):
            messages.info(request, "Set up two-factor authentication to open the moderation queue.")
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper


def _filtered(params):
    name = params.get("status", "awaiting")
    if name not in FILTERS:
        name = "awaiting"
    _, condition, ordering = FILTERS[name]
    qs = Signature.objects.filter(condition).select_related("letter")
    q = clean_query(params.get("q", ""))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organization__icontains=q) | Q(email_normalized__icontains=q.lower()))
    return name, q, qs.order_by(*ordering)


def _back(request, default="moderation:queue"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


@moderator_required
def queue(request):
    status, q, qs = _filtered(request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "hints": hints_for_page(page.object_list),
        "status": status,
        "q": q,
        "filters": [(k, v[0]) for k, v in FILTERS.items()],
        "bulk_max": services.BULK_MAX,
    }
    return render(request, "moderation/queue.html", context)


@moderator_required
def detail(request, pk):
    signature = get_object_or_404(Signature.objects.select_related("letter", "version", "moderated_by"), pk=pk)
    context = {
        "s": signature,
        "hints": hints_for_page([signature])[signature.pk],
        "watchlisted": services.signature_is_watchlisted(signature),
        "events": signature.events.select_related("actor")[:200],
        "emails": signature.emails.all(),
    }
    return render(request, "moderation/detail.html", context)


def _decide(request, service, pk, **kwargs):
    """Run one moderation service on one signature as this moderator.

    Returns (signature, changed), or None with a message when the signature is gone.
    """
    try:
        return service(signature_id=pk, moderator=request.user, **kwargs)
    except Signature.DoesNotExist:
        messages.error(request, "No such signature.")
        return None


@require_POST
@moderator_required
def approve(request, pk):
    try:
        outcome = _decide(request, services.signature_approve, pk, note=request.POST.get("note", "")[:2000])
    except ValidationError as exc:  # a watchlisted name without a note
        messages.error(request, " ".join(exc.messages))
        return redirect("moderation:detail", pk=pk)
    if outcome:
        signature, changed = outcome
        if changed:
            messages.success(request, f"Approved {signature.name}.")
        else:
            state = signature.get_status_display().lower()
            messages.info(request, f"{signature.name or 'This signature'} is {state}; nothing changed.")
    return _back(request)


@require_POST
@moderator_required
def reject(request, pk):
    outcome = _decide(request, services.signature_reject, pk, reason=request.POST.get("reason", "")[:2000])
    if outcome:
        signature, changed = outcome
        messages.success(request, f"Rejected {signature.name}.") if changed else messages.info(
            request, "Nothing changed."
        )
    return _back(request)


@require_POST
@moderator_required
def feature(request, pk, featured=True):
    outcome = _decide(request, services.signature_set_featured, pk, featured=featured)
    if outcome:
        signature, changed = outcome
        if changed:
            messages.success(request, f"{'Featured' if featured else 'No longer featuring'} {signature.name}.")
        else:
            messages.info(request, "Only approved signatures can be featured; nothing changed.")
    return _back(request)


@require_POST
@moderator_required
def edit(request, pk):
    title = " ".join(request.POST.get("title", "").split())
    organization = " ".join(request.POST.get("organization", "").split())
    if len(title) > Signature.TITLE_MAX or len(organization) > Signature.ORGANIZATION_MAX:
        messages.error(request, "Title and organization can have at most 150 characters each.")
        return redirect("moderation:detail", pk=pk)
    outcome = _decide(request, services.signature_edit, pk, title=title, organization=organization)
    if outcome is None:
        return redirect("moderation:queue")
    messages.success(request, "Saved.") if outcome[1] else messages.info(request, "Nothing changed.")
    return redirect("moderation:detail", pk=pk)


@require_POST
@moderator_required
def bulk(request):
    action = request.POST.get("action", "")
    if action not in services.BULK_ACTIONS:
        messages.error(request, "Choose what to do with the selected signatures.")
        return _back(request)
    if request.POST.get("scope") == "matching":
        _, _, qs = _filtered(request.POST)
        ids = list(qs.values_list("pk", flat=True)[: services.BULK_MAX])
    else:
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()][: services.BULK_MAX]
    if not ids:
        messages.error(request, "Select at least one signature.")
        return _back(request)
    result = services.signatures_bulk_decide(
        ids=ids, moderator=request.user, action=action, reason=request.POST.get("reason", "")[:2000]
    )
    text = f"{action.capitalize()}: {result.changed} changed"
    if result.watchlisted:
        text += f", {result.watchlisted} on the watchlist left for a one-by-one check"
    if result.unchanged:
        text += f", {result.unchanged} not applicable"
    messages.success(request, text + ".")
    return _back(request)


@moderator_required
def audit_csv(request):
    header = ["when", "moderator", "action", "signature", "letter", "before", "after", "note", "bulk"]
    events = (
        ModerationEvent.objects.order_by("created_at", "id")
        .values_list(
            "created_at",
            "actor_email",
            "action",
            "signature__public_id",
            "signature__letter__slug",
            "before",
            "after",
            "note",
            "bulk",
        )
        .iterator(chunk_size=2000)
    )
    rows = (
        (
            when.isoformat(),
            actor or "signer",
            action,
            public_id,
            slug,
            json.dumps(before),
            json.dumps(after),
            note,
            bulk,
        )
        for when, actor, action, public_id, slug, before, after, note, bulk in events
    )
    return csv_response(f"moderation-audit-{timezone.now():%Y-%m-%d}.csv", csv_lines(header, rows))
