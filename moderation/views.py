"""The moderation queue: moderators review confirmed signatures before they are public."""

from datetime import UTC

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from signatures.domains import email_domain, is_disposable, is_free_mail, registrable_domain
from signatures.models import ModerationEvent, Signature
from signatures.selectors.organizations import confirmed_domain_for

from .accounts import moderator_required
from .forms import ApproveForm, BulkForm, EditForm, OrganizationDomainForm, RejectForm
from .hints import hints_for_page
from .selectors import (
    COUNT_CAP,
    DEFAULT_FILTER,
    FILTERS,
    queue_count,
    queue_page,
    queue_signatures,
    signature_for_review,
)
from .services import decisions as services
from .services.organizations import organization_domain_confirm, organization_find
from .services.undo import reject_undo_deadline, signature_reject_undo

PAGE_SIZE = 25  # a moderator reads a page at a time; 50 rows took twice the time
WATCHLIST_PAGE_SIZE = 100
# The reject this moderator can still undo (an event id), kept in their session: the offer shows
# on the queue and the detail page until its deadline (services/undo.py).
UNDO_KEY = "moderation_undo_reject"


def _back(request, default="moderation:queue"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))


@moderator_required
def queue(request):
    status = request.GET.get("status", DEFAULT_FILTER)
    status = status if status in FILTERS else DEFAULT_FILTER
    q = request.GET.get("q", "")
    after = request.GET.get("after", "")[:200]
    rows, next_cursor = queue_page(status=status, q=q, after=after, limit=PAGE_SIZE)
    context = {
        "rows": _for_display(rows),
        "next_cursor": next_cursor,
        "first_page": not after,
        "count": queue_count(status=status, q=q),
        "count_cap": COUNT_CAP,
        "hints": hints_for_page(rows),
        "status": status,
        "q": " ".join(q.split())[:100],
        "filters": [(k, v[0]) for k, v in FILTERS.items()],
        "bulk_max": services.BULK_MAX,
        "undo": _undo_offer(request),
    }
    return render(request, "moderation/queue.html", context)


# The links of a queue row, reversed once per page with a placeholder id swapped for each row's:
# the template used to resolve up to 154 {% url %} and format 100 dates per page.
ROW_LINKS = ("detail", "approve", "reject", "feature", "unfeature")
_PLACEHOLDER = 918273645


def _for_display(rows):
    """Each row with its links, the names of its buttons for screen readers, and its times as
    the page shows them (UTC), made once here."""
    links = {name: reverse(f"moderation:{name}", args=[_PLACEHOLDER]) for name in ROW_LINKS}
    # Translated once a page, filled in for each row (a {% blocktranslate %} per button and row
    # cost the page a tenth of its time).
    aria = {
        "select": _("Select %(name)s"),
        "approve": _("Approve %(name)s"),
        "reject": _("Reject %(name)s"),
        "feature": _("Feature %(name)s"),
        "unfeature": _("Stop featuring %(name)s"),
    }
    for s in rows:
        s.links = {name: link.replace(str(_PLACEHOLDER), str(s.pk)) for name, link in links.items()}
        s.aria = {name: text % {"name": s.name} for name, text in aria.items()}
        s.created_display = s.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        s.verified_display = s.verified_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if s.verified_at else "—"
    return rows


@moderator_required
def detail(request, pk):
    signature = signature_for_review(pk=pk)
    if signature is None:
        raise Http404("No such signature.")
    context = {
        "s": signature,
        "hints": hints_for_page([signature])[signature.pk],
        "watchlisted": services.signature_is_watchlisted(signature),
        "events": signature.events.select_related("actor")[:200],
        "emails": signature.emails.all(),
        "undo": _undo_offer(request),
        "domain_confirm": _domain_confirm_context(signature),
    }
    return render(request, "moderation/detail.html", context)


def _domain_confirm_context(signature):
    """What the "confirm this organization's domain" form shows, or None where it does not apply
    (an erased signature, a free or throwaway mailbox)."""
    email = signature.email_normalized
    if signature.status == Signature.Status.WITHDRAWN or not email or is_free_mail(email) or is_disposable(email):
        return None
    confirmed = confirmed_domain_for(email=email, organization=signature.organization)
    return {
        "confirmed": confirmed,
        "organization": organization_find(name=signature.organization) if signature.organization else None,
        "initial_organization": signature.organization,
        "initial_domain": registrable_domain(email_domain(email)),
    }


def _decide(request, service, pk, **kwargs):
    """Run one moderation service on one signature as this moderator.

    Returns (signature, changed), or None with a message when the signature is gone.
    """
    try:
        return service(signature_id=pk, moderator=request.user, **kwargs)
    except Signature.DoesNotExist:
        messages.error(request, _("No such signature."))
        return None


@require_POST
@moderator_required
def approve(request, pk):
    form = ApproveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("moderation:detail", pk=pk)
    try:
        outcome = _decide(request, services.signature_approve, pk, note=form.cleaned_data["note"])
    except ValidationError as exc:  # a watchlisted name without a note
        messages.error(request, " ".join(exc.messages))
        return redirect("moderation:detail", pk=pk)
    if outcome:
        signature, changed = outcome
        if changed:
            messages.success(request, _("Approved %(name)s.") % {"name": signature.name})
        else:
            state = signature.get_status_display().lower()
            name = signature.name or _("This signature")
            messages.info(request, _("%(name)s is %(state)s; nothing changed.") % {"name": name, "state": state})
    return _back(request)


@require_POST
@moderator_required
def reject(request, pk):
    form = RejectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("moderation:detail", pk=pk)
    outcome = _decide(request, services.signature_reject, pk, reason=form.cleaned_data["reason"])
    if outcome:
        signature, changed = outcome
        if changed:
            event = signature.events.filter(action=ModerationEvent.Action.REJECT, actor=request.user).first()
            request.session[UNDO_KEY] = event.pk  # the page then shows "Rejected …" with an Undo button
        else:
            messages.info(request, _("Nothing changed."))
    return _back(request)


def _undo_offer(request) -> dict | None:
    """The reject this moderator may still undo, for the page to offer; None once it is too late."""
    event_id = request.session.get(UNDO_KEY)
    if event_id is None:
        return None
    event = ModerationEvent.objects.select_related("signature").filter(pk=event_id, actor=request.user).first()
    if (
        event is None
        or timezone.now() > reject_undo_deadline(event)
        or event.signature.status != Signature.Status.REJECTED
    ):
        del request.session[UNDO_KEY]
        return None
    return {"event_id": event.pk, "name": event.signature.name, "until": reject_undo_deadline(event)}


@require_POST
@moderator_required
def undo_reject(request, event_id):
    request.session.pop(UNDO_KEY, None)
    try:
        signature, changed = signature_reject_undo(event_id=event_id, moderator=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request)
    if changed:
        state = signature.get_status_display().lower()
        messages.success(
            request, _("Reject undone: %(name)s is %(state)s again.") % {"name": signature.name, "state": state}
        )
    else:
        messages.info(request, _("That reject can no longer be undone: someone decided about this signature since."))
    return _back(request)


@require_POST
@moderator_required
def feature(request, pk, featured=True):
    outcome = _decide(request, services.signature_set_featured, pk, featured=featured)
    if outcome:
        signature, changed = outcome
        if changed:
            text = _("Featured %(name)s.") if featured else _("No longer featuring %(name)s.")
            messages.success(request, text % {"name": signature.name})
        else:
            messages.info(request, _("Only approved signatures can be featured; nothing changed."))
    return _back(request)


@require_POST
@moderator_required
def edit(request, pk):
    form = EditForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("moderation:detail", pk=pk)
    outcome = _decide(request, services.signature_edit, pk, **form.cleaned_data)
    if outcome is None:
        return redirect("moderation:queue")
    messages.success(request, _("Saved.")) if outcome[1] else messages.info(request, _("Nothing changed."))
    return redirect("moderation:detail", pk=pk)


@require_POST
@moderator_required
def confirm_domain(request, pk):
    """Confirm an organization-domain pair from a signature's page; it then covers every
    signature from that domain naming the organization."""
    form = OrganizationDomainForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("moderation:detail", pk=pk)
    data = form.cleaned_data
    try:
        result = organization_domain_confirm(
            moderator=request.user,
            organization_name=data["organization"],
            domain=data["domain"],
            evidence=data["evidence"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("moderation:detail", pk=pk)
    names = {"domain": result.confirmed.domain, "organization": result.organization.name}
    if not result.created:
        messages.info(request, _("%(domain)s for %(organization)s was already confirmed; nothing changed.") % names)
    else:
        text = _(
            "Confirmed %(domain)s for %(organization)s: %(raised)s signature(s) now at the domain level, "
            "%(public)s of them public."
        )
        messages.success(request, text % {**names, "raised": result.raised, "public": result.public})
    return redirect("moderation:detail", pk=pk)


@require_POST
@moderator_required
def bulk(request):
    form = BulkForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request)
    data = form.cleaned_data
    if data["scope"] == "matching":
        target = {"matching": queue_signatures(status=data["status"], q=data["q"])}
    else:
        target = {"ids": data["ids"]}
    action = data["action"]
    result = services.signatures_bulk_decide(moderator=request.user, action=action, reason=data["reason"], **target)
    sentences = [_bulk_done(action, result.changed)]
    if result.watchlisted:
        text = ngettext(
            "%(count)s on the watchlist left for you to approve one by one, with a note.",
            "%(count)s on the watchlist left for you to approve one by one, with a note.",
            result.watchlisted,
        )
        sentences.append(text % {"count": result.watchlisted})
    if result.unchanged:
        text = ngettext(
            "%(count)s skipped: that decision does not apply to them.",
            "%(count)s skipped: that decision does not apply to them.",
            result.unchanged,
        )
        sentences.append(text % {"count": result.unchanged})
    messages.success(request, " ".join(sentences))
    return _back(request)


def _bulk_done(action: str, count: int) -> str:
    """What a bulk decision did, as the message after it says."""
    if action == "approve":
        text = ngettext("Approved %(count)s signature.", "Approved %(count)s signatures.", count)
    elif action == "reject":
        text = ngettext("Rejected %(count)s signature.", "Rejected %(count)s signatures.", count)
    elif action == "feature":
        text = ngettext("Featured %(count)s signature.", "Featured %(count)s signatures.", count)
    else:
        text = ngettext("Stopped featuring %(count)s signature.", "Stopped featuring %(count)s signatures.", count)
    return text % {"count": count}
