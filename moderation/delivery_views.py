"""The organizers' deliveries page: record each delivery of a letter (when, to whom, how, a note),
bound to a signed checkpoint of its list. Moderators only; the POST goes through a form and
one service, then back to the page."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from letter.models import Letter
from signatures.services.deliveries import delivery_record

from .accounts import moderator_required
from .delivery_forms import DeliveryForm


def _page(request, letter, form, status=200):
    context = {"letter": letter, "form": form, "deliveries": letter.deliveries.select_related("checkpoint")}
    return render(request, "moderation/deliveries.html", context, status=status)


@moderator_required
def deliveries(request, pk):
    letter = get_object_or_404(Letter, pk=pk)
    return _page(request, letter, DeliveryForm())


@moderator_required
@require_POST
def delivery_create(request, pk):
    letter = get_object_or_404(Letter, pk=pk)
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        return _page(request, letter, form, status=400)
    try:
        delivery = delivery_record(letter=letter, moderator=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, letter, form, status=400)
    except ImproperlyConfigured:
        form.add_error(None, _("The site has no key to sign the list's checkpoint: nothing was recorded."))
        return _page(request, letter, form, status=503)
    messages.success(
        request,
        _("Delivery to %(recipient)s recorded, bound to the list as of %(size)s log entries.")
        % {"recipient": delivery.recipient, "size": delivery.checkpoint.tree_size},
    )
    return redirect("moderation:deliveries", pk=letter.pk)
