"""The organizers' updates page: write an update (Markdown), shown at once on the letter page
and in its feed, and emailed in batches to the signers who asked for updates. Moderators only;
the POST goes through a form and one service, then back to the page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from letter.models import Letter
from signatures.models import OutgoingEmail, Signature
from signatures.services.updates import update_publish, wants_updates

from .accounts import moderator_required
from .update_forms import UpdateForm


def _page(request, letter, form, status=200):
    sent = Count("pk", filter=Q(status=OutgoingEmail.Status.SENT))
    progress = dict(
        OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.UPDATE, update__letter=letter)
        .values("update_id")
        .annotate(sent=sent)
        .values_list("update_id", "sent")
    )
    updates = [{"update": u, "sent": progress.get(u.pk, 0)} for u in letter.updates.all()]
    context = {
        "letter": letter,
        "form": form,
        "updates": updates,
        "subscribers": Signature.objects.filter(wants_updates(), letter=letter).count(),
    }
    return render(request, "moderation/updates.html", context, status=status)


@moderator_required
def updates(request, pk):
    return _page(request, get_object_or_404(Letter, pk=pk), UpdateForm())


@moderator_required
@require_POST
def update_create(request, pk):
    letter = get_object_or_404(Letter, pk=pk)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _page(request, letter, form, status=400)
    try:
        update = update_publish(letter=letter, moderator=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, letter, form, status=400)
    if update.email_signers:
        text = _("“%(title)s” is published, and its emails go out in batches.")
    else:
        text = _("“%(title)s” is published (no emails).")
    messages.success(request, text % {"title": update.title})
    return redirect("moderation:updates", pk=letter.pk)
