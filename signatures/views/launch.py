"""Pages of a launch: the invitation page (sign while the letter is collecting), the press
preview under embargo, and the gate the sign POST passes through for letters that are not
simply live.

Both pages are per person (a secret link each) and show what the public may not see yet, so
they are never stored by a shared cache (Cache-Control: private, no-store) and never indexed
(`noindex` in a meta tag and in X-Robots-Tag).
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext

from letter.models import Invitation, Letter, PressPreview
from letter.selectors import letter_version_for

from .. import abuse
from ..selectors import cache as page_cache
from ..selectors.public import public_count, public_signatures
from ..services.launch import InvitationRefused, invitation_check
from ..signer_forms import InvitedSignatureForm

State = Letter.State
PREVIEW_LIMIT = 1000  # names on one preview page; the count says how many in all


def noindex(response):
    """Keep search engines away from a page that is not public (yet)."""
    response["X-Robots-Tag"] = "noindex"
    return response


def private_page(request, template: str, context: dict, status: int = 200):
    """A page for one person: not indexed, never kept by any cache."""
    response = render(request, template, {**context, "noindex": True}, status=status)
    return noindex(page_cache.mark_private(response))


def refused(request, letter: Letter, message: str, status: int):
    return private_page(request, "signatures/sign_refused.html", {"letter": letter, "message": message}, status)


def invitation_context(letter: Letter, invitation: Invitation, form=None) -> dict:
    version = letter_version_for(letter, translation.get_language())
    return {
        "letter": letter,
        "version": version,
        "invitation": invitation,
        "form": form or InvitedSignatureForm(initial={"invitation": invitation.token, "version": version.pk}),
        "form_ts": abuse.form_timestamp(),
    }


def invitation(request, token):
    """/invite/<token>/: the letter and its sign form, for whoever holds the link."""
    found = Invitation.objects.select_related("letter__current_version").filter(token=token).first()
    if found is None or found.letter.state == State.DRAFT or found.letter.current_version_id is None:
        raise Http404(gettext("This invitation link is not valid."))
    letter = found.letter
    if letter.state == State.CLOSED:
        return refused(request, letter, gettext("This letter is closed: it no longer takes signatures."), 410)
    try:
        invitation_check(found)
    except InvitationRefused as exc:
        return refused(request, letter, exc.reason, 410)
    return private_page(request, "signatures/invitation.html", invitation_context(letter, found))


def sign_gate(request, letter: Letter) -> tuple:
    """For the sign POST: (refusal page or None, the invitation it carries or None).

    A closed letter takes no signature; a collecting one only through a valid invitation for
    it. A live letter takes anyone; an invitation it carries still counts its use."""
    if letter.state == State.CLOSED:
        return refused(request, letter, gettext("This letter is closed: it no longer takes signatures."), 410), None
    token = request.POST.get("invitation", "")[:64]
    found = Invitation.objects.filter(token=token, letter=letter).first() if token else None
    if letter.state == State.LIVE:
        return None, found if found is not None and found.usable else None
    if found is None:
        message = gettext(
            "This letter is not public yet: it can be signed only through an invitation link from its organizers."
        )
        return refused(request, letter, message, 403), None
    try:
        invitation_check(found)
    except InvitationRefused as exc:
        return refused(request, letter, exc.reason, 410), None
    return None, found


def press_preview(request, token):
    """/preview/<token>/: the letter and its list exactly as they will appear, read-only."""
    preview = PressPreview.objects.select_related("letter__current_version").filter(token=token).first()
    if preview is None or preview.letter.current_version_id is None:
        raise Http404(gettext("This preview link is not valid."))
    letter = preview.letter
    context = {"letter": letter, "preview": preview}
    if preview.expires_at <= timezone.now():
        return private_page(request, "signatures/press_preview_expired.html", context, status=410)
    rows, more = public_signatures(letter=letter, limit=PREVIEW_LIMIT)
    context.update(
        version=letter_version_for(letter, translation.get_language()),
        rows=rows,
        more=more is not None,
        count=public_count(letter=letter),
        embargoed=letter.state not in Letter.PUBLIC_STATES,
    )
    return private_page(request, "signatures/press_preview.html", context)
