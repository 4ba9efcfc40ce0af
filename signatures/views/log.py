"""The letter's transparency log over HTTP, for `verify_list` and anyone else who checks it:
the latest signed checkpoint, the key that signs it, inclusion and consistency proofs, and
every checkpoint kept. Proofs for a given size never change, so they are cached for long."""

import re

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from freefable.http import limit
from letter.selectors import letter_get_published

from ..models import Checkpoint
from ..selectors import log as log_reads
from ..services import checkpoints as checkpoint_service

HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
CHECKPOINTS_PAGE = 100
FOREVER = "public, max-age=31536000, immutable"


class BadRequest(ValueError):
    pass


def _number(request, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest(f"'{name}' must be a whole number of leaves, e.g. ?{name}=10")
    return int(value)


def _problem(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-cache"
    return response


def _shared(response, cache_control: str):
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"  # anyone's checker may ask from anywhere
    return response


def _answer(make, cache_control: str):
    """The JSON of make(), or a readable 400 (bad parameters) or 404 (not in the log)."""
    try:
        return _shared(JsonResponse(make()), cache_control)
    except BadRequest as exc:
        return _problem(str(exc), 400)
    except log_reads.LeafNotFound as exc:
        return _problem(str(exc), 404)
    except log_reads.LogError as exc:
        return _problem(str(exc), 400)


@require_GET
def checkpoint(request, slug):
    """The latest signed checkpoint (C2SP tlog-checkpoint), signed now if the log grew."""
    letter = letter_get_published(slug=slug)
    try:
        latest = checkpoint_service.checkpoint_publish(letter=letter)
    except ImproperlyConfigured:
        response = HttpResponse(
            "The transparency log cannot sign checkpoints: the site has no signing key.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache"
        return response
    return _shared(HttpResponse(latest.note, content_type="text/plain; charset=utf-8"), "public, max-age=10")


@require_GET
def checkpoint_at(request, slug, size):
    """A kept checkpoint by its tree size, as text: the one a delivery is bound to, for
    `verify_list --checkpoint`. A checkpoint never changes once signed."""
    letter = letter_get_published(slug=slug)
    kept = Checkpoint.objects.filter(letter=letter, tree_size=size).values_list("note", flat=True).first()
    if kept is None:
        return _problem(f"No checkpoint of size {size} was kept for this letter.", 404)
    return _shared(HttpResponse(kept, content_type="text/plain; charset=utf-8"), FOREVER)


@require_GET
def key(request, slug):
    """The verifier key of the checkpoints (C2SP signed-note vkey)."""
    letter_get_published(slug=slug)
    try:
        vkey = checkpoint_service.log_signer().verifier.vkey
    except ImproperlyConfigured:
        return HttpResponse("The site has no signing key.\n", status=503, content_type="text/plain; charset=utf-8")
    return _shared(HttpResponse(vkey + "\n", content_type="text/plain; charset=utf-8"), "public, max-age=3600")


@require_GET
def proof(request, slug):
    """?leaf=<hex SHA-256 leaf hash>&size=N: {leaf_index, tree_size, hashes (hex)}."""
    letter = letter_get_published(slug=slug)

    def make():
        leaf = request.GET.get("leaf", "")
        if not HEX_HASH.fullmatch(leaf):
            raise BadRequest("'leaf' must be a leaf hash: 64 hexadecimal characters")
        return log_reads.inclusion_proof(
            letter=letter, leaf_hash=bytes.fromhex(leaf), tree_size=_number(request, "size")
        )

    return _answer(make, FOREVER)


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
def leaves(request, slug):
    """?start=S&count=C: the hashes of leaves S .. S+C-1, 32 bytes each, concatenated."""
    letter = letter_get_published(slug=slug)
    try:
        start, count = _number(request, "start"), _number(request, "count")
        body = log_reads.leaf_hashes(letter=letter, start=start, count=count)
    except (BadRequest, log_reads.LogError) as exc:
        return _problem(str(exc), 400)
    return _shared(HttpResponse(body, content_type="application/octet-stream"), FOREVER)


@require_GET
def consistency(request, slug):
    """?first=M&second=N: {first, second, hashes (hex)}, the proof that N extends M."""
    letter = letter_get_published(slug=slug)
    return _answer(
        lambda: log_reads.consistency_proof(
            letter=letter, first=_number(request, "first"), second=_number(request, "second")
        ),
        FOREVER,
    )


@require_GET
def checkpoints(request, slug):
    """Every checkpoint kept, newest first, 100 a page (?before=<tree size> for older ones)."""
    letter = letter_get_published(slug=slug)

    def make():
        kept = Checkpoint.objects.filter(letter=letter)
        if "before" in request.GET:
            kept = kept.filter(tree_size__lt=_number(request, "before"))
        page = list(kept[: CHECKPOINTS_PAGE + 1])
        more = len(page) > CHECKPOINTS_PAGE
        page = page[:CHECKPOINTS_PAGE]
        base = reverse("signatures:log_checkpoints", args=[letter.slug])
        return {
            "checkpoints": [checkpoint_service.checkpoint_summary(c) for c in page],
            "next": request.build_absolute_uri(f"{base}?before={page[-1].tree_size}") if more else None,
        }

    return _answer(make, "public, max-age=10")
