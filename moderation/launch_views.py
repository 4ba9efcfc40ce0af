"""The organizers' launch page: a letter's state (draft, collecting, live, closed), its go-live
time, its invitation links and its press preview links. Moderators only; every POST goes
through a form and one service, then back to the page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from letter.models import Invitation, Letter, PressPreview
from signatures.services import launch

from .accounts import moderator_required
from .launch_forms import InvitationForm, PressPreviewForm, ScheduleForm, StateForm

State = Letter.State
# The buttons each state offers, in the order shown.
ACTIONS = {
    State.DRAFT: [
        (State.COLLECTING, gettext_lazy("Start collecting by invitation")),
        (State.LIVE, gettext_lazy("Make live now")),
    ],
    State.COLLECTING: [(State.LIVE, gettext_lazy("Make live now")), (State.DRAFT, gettext_lazy("Back to draft"))],
    State.LIVE: [(State.CLOSED, gettext_lazy("Close the letter"))],
    State.CLOSED: [(State.LIVE, gettext_lazy("Reopen"))],
}


def _page(letter_pk: int):
    return redirect("moderation:launch", pk=letter_pk)


def _errors(request, form_or_exc) -> None:
    if isinstance(form_or_exc, ValidationError):
        messages.error(request, " ".join(form_or_exc.messages))
        return
    for errors in form_or_exc.errors.values():
        messages.error(request, " ".join(errors))


@moderator_required
def letters(request):
    return render(request, "moderation/launch_letters.html", {"letters": Letter.objects.all()})


@moderator_required
def launch_page(request, pk):
    letter = get_object_or_404(Letter, pk=pk)
    context = {
        "letter": letter,
        "actions": ACTIONS[letter.state],
        "schedule_form": ScheduleForm(initial={"go_live_at": letter.go_live_at}),
        "invitation_form": InvitationForm(),
        "preview_form": PressPreviewForm(),
        "invitations": letter.invitations.all(),
        "previews": letter.press_previews.all(),
        "changes": letter.state_changes.all()[:50],
        "can_invite": letter.state in (State.DRAFT, State.COLLECTING),
        "base": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "moderation/launch.html", context)


def _post(request, pk, form_class, act):
    """A launch-page POST: check the form, run `act(letter, form)` (one service call, returning the
    message to show), report what the service refused, and go back to the page."""
    letter = get_object_or_404(Letter, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _page(pk)
    try:
        message = act(letter, form)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if message:
            messages.success(request, message)
    return _page(pk)


@moderator_required
@require_POST
def set_state(request, pk):
    def act(letter, form):
        letter, changed = launch.letter_set_state(letter=letter, state=form.cleaned_data["state"], actor=request.user)
        if not changed:
            return None
        return _("The letter is now %(state)s.") % {"state": letter.get_state_display().lower()}

    return _post(request, pk, StateForm, act)


@moderator_required
@require_POST
def schedule(request, pk):
    def act(letter, form):
        when = launch.letter_schedule(
            letter=letter, go_live_at=form.cleaned_data["go_live_at"], actor=request.user
        ).go_live_at
        if not when:
            return _("No go-live time set.")
        return _("Goes live at %(when)s UTC.") % {"when": f"{when:%Y-%m-%d %H:%M}"}

    return _post(request, pk, ScheduleForm, act)


@moderator_required
@require_POST
def invitation_create(request, pk):
    def act(letter, form):
        invitation = launch.invitation_create(letter=letter, actor=request.user, **form.cleaned_data)
        return _("Invitation link made for %(label)s.") % {"label": invitation.label}

    return _post(request, pk, InvitationForm, act)


@moderator_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk)
    if launch.invitation_revoke(invitation_id=invitation.pk, actor=request.user):
        messages.success(request, _("The link for %(label)s no longer works.") % {"label": invitation.label})
    return _page(invitation.letter_id)


@moderator_required
@require_POST
def preview_create(request, pk):
    def act(letter, form):
        preview = launch.press_preview_create(
            letter=letter, label=form.cleaned_data["label"], expires_at=form.expires_at(), actor=request.user
        )
        return _("Press preview link made for %(label)s.") % {"label": preview.label}

    return _post(request, pk, PressPreviewForm, act)


@moderator_required
@require_POST
def preview_expire(request, pk):
    preview = get_object_or_404(PressPreview, pk=pk)
    if launch.press_preview_expire(preview_id=preview.pk, actor=request.user):
        messages.success(request, _("The preview link for %(label)s no longer works.") % {"label": preview.label})
    return _page(preview.letter_id)
