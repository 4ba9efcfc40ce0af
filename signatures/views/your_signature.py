"""'Your signature': the page the link in every email opens (the withdraw token). The signer
sees its status and details, corrects their title or organization, marks the affiliation "for
identification only", or goes on to withdraw (/withdraw/<token>/, unchanged).

The page is the signer's alone: private, never cached, never indexed.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from freefable.http import limit, see_other

from ..models import Signature
from ..services.self_service import CORRECTABLE, signature_correct
from ..signer_forms import YourSignatureForm
from ..tokens import make_unsubscribe_token, read_withdraw_token
from .launch import private_page

Status = Signature.Status

# What each status means to the signer, in their words.
STATUS_TEXT = {
    Status.PENDING: _("Waiting for you to confirm your email: open the link in the first email we sent."),
    Status.VERIFIED: _("Email confirmed; waiting for a moderator to review it before it is public."),
    Status.APPROVED: _("Public: your name is on the list of signatories."),
    Status.REJECTED: _("Not published: the moderators did not approve it."),
    Status.WITHDRAWN: _("Withdrawn: your details have been erased."),
}


@require_http_methods(["GET", "POST"])
@ratelimit(group="token-ip", key="ip", rate=limit("token_ip"), method=ratelimit.ALL, block=True)
def your_signature(request, token):
    data = read_withdraw_token(token)
    if data is None:
        raise Http404(gettext("This link is not valid."))
    signature = Signature.objects.select_related("letter").filter(public_id=data.public_id).first()
    if signature is None:
        raise Http404(gettext("This link is not valid."))
    correctable = signature.status in CORRECTABLE
    form = YourSignatureForm(request.POST or None, signature=signature) if correctable else None
    status = 200
    if request.method == "POST":
        if form is None:
            status = 409
        elif form.is_valid():
            try:
                _, changed = signature_correct(public_id=signature.public_id, **form.cleaned_data)
            except ValidationError as exc:  # withdrawn meanwhile
                form.add_error(None, exc)
            else:
                here = reverse("launch:your_signature", kwargs={"token": token})
                return see_other(f"{here}?saved={int(changed)}")
        status = 400 if status == 200 else status
    context = {
        "signature": signature,
        "letter": signature.letter,
        "status_text": STATUS_TEXT[signature.status],
        "form": form,
        "token": token,
        "saved": request.GET.get("saved"),
        "was_public": signature.status == Status.APPROVED,
        "unsubscribe_url": reverse("signatures:unsubscribe", args=[make_unsubscribe_token(signature.public_id)]),
    }
    return private_page(request, "signatures/your_signature.html", context, status=status)
