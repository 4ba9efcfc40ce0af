"""The watchlist, kept by moderators: high-profile names approved only one by one, with a note."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from signatures.models import WatchlistEntry

from .accounts import moderator_required
from .forms import WatchlistForm
from .services.watchlist import watchlist_add, watchlist_remove
from .views import _back, _form_errors

WATCHLIST_PAGE_SIZE = 100


@moderator_required
def watchlist(request):
    """High-profile names: their signatures are approved one by one, with a note."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    entries = WatchlistEntry.objects.all()
    if q:
        entries = entries.filter(name__icontains=q)
    page = Paginator(entries, WATCHLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/watchlist.html", {"page": page, "q": q, "form": WatchlistForm()})


@require_POST
@moderator_required
def watchlist_create(request):
    form = WatchlistForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("moderation:watchlist")
    try:
        entry, created = watchlist_add(**form.cleaned_data)
    except ValueError:
        messages.error(request, _("Enter a name with letters in it."))
        return redirect("moderation:watchlist")
    if created:
        messages.success(request, _("Added %(name)s to the watchlist.") % {"name": entry.name})
    else:
        text = _("%(name)s is already on the watchlist, as %(entry)s.")
        messages.info(request, text % {"name": form.cleaned_data["name"], "entry": entry.name})
    return redirect("moderation:watchlist")


@require_POST
@moderator_required
def watchlist_delete(request, pk):
    entry = get_object_or_404(WatchlistEntry, pk=pk)
    watchlist_remove(entry_id=entry.pk)
    messages.success(request, _("Removed %(name)s from the watchlist.") % {"name": entry.name})
    return _back(request, default="moderation:watchlist")
