"""One-click unsubscribe from update emails (RFC 8058). A mail client POSTs
"List-Unsubscribe=One-Click" to the link in the List-Unsubscribe header, with no cookie and no
CSRF token: the signed token in the URL is the proof, and all it can do is stop updates. A GET
(a person, or a mail scanner following the link) only shows a button that POSTs."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..models import Signature
from ..selectors.cache import mark_private
from ..services.updates import signature_unsubscribe
from ..tokens import read_unsubscribe_token


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    data = read_unsubscribe_token(token)
    if data is None:
        raise Http404(gettext("This link is not valid."))
    signature = Signature.objects.select_related("letter").filter(public_id=data.public_id).first()
    if signature is None:
        raise Http404(gettext("This link is not valid."))
    if request.method == "POST":
        signature_unsubscribe(public_id=signature.public_id)
        done = True
    else:
        done = signature.updates_unsubscribed_at is not None or signature.updates_consent_at is None
    response = render(
        request, "signatures/unsubscribe.html", {"letter": signature.letter, "done": done, "noindex": True}
    )
    response["X-Robots-Tag"] = "noindex"
    return mark_private(response)
