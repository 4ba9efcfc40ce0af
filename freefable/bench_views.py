"""Views for the benchmark only: routed when BENCH_VIEWS=1 (bench/config.py sets it), never
otherwise. Each is the floor a real path is measured against (bench/measures.py)."""

from celery import current_app
from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from letter.selectors import letter_get_published
from signatures.models import Signature


@csrf_exempt
@require_POST
def minimal_sign(request, slug):
    """The least a sign request can do: one INSERT of the posted name and email, one Celery
    enqueue, a 303. No checks, no outbox, no abuse signals."""
    letter = letter_get_published(slug=slug)
    email = request.POST.get("email", "")
    signature = Signature.objects.create(
        letter_id=letter.pk,
        version_id=letter.current_version_id,
        name=request.POST.get("name", ""),
        email=email,
        email_normalized=email.lower(),
    )
    # A task no worker runs here: the broker only stores the message, as the real path's does.
    current_app.send_task("bench.noop", args=[signature.pk])
    return HttpResponseRedirect(f"/letters/{slug}/check-your-email/", status=303)


urlpatterns = [path("_bench/letters/<slug:slug>/sign/", minimal_sign, name="bench_minimal_sign")]
