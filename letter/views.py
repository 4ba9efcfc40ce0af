from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string

from signatures.abuse import form_timestamp
from signatures.forms import SignatureForm
from signatures.selectors import featured_signatures, list_generation, public_count, recent_signatures

from .models import Letter
from .selectors import letter_get_published

# Per-visitor values punched into a cached page: the CSRF token and the form's timestamp.
CSRF_HOLE = "__csrf_token_hole__"
TS_HOLE = "__form_timestamp_hole__"
PAGE_TTL = 60


def _context(letter: Letter, form: SignatureForm | None) -> dict:
    key = f"letter:{letter.pk}:people:{list_generation(letter.pk)}"
    people = cache.get(key)
    if people is None:
        people = (featured_signatures(letter=letter), recent_signatures(letter=letter))
        cache.set(key, people, 300)
    return {
        "letter": letter,
        "version": letter.current_version,
        "count": public_count(letter=letter),
        "featured": people[0],
        "recent": people[1],
        "form": form or SignatureForm(),
    }


def letter_page(request, letter: Letter, form: SignatureForm | None = None, status: int = 200):
    """The letter with its sign form; also rendered by the sign view to show form errors.

    The busiest page under a surge. For anonymous readers the whole page is cached until the
    public list changes (or a minute passes), and only the visitor's own CSRF token and form
    timestamp are filled in per request.
    """
    cacheable = form is None and not request.user.is_authenticated and "messages" not in request.COOKIES
    if not cacheable:
        context = {**_context(letter, form), "csrf_value": get_token(request), "form_ts": form_timestamp()}
        return render(request, "letter/detail.html", context, status=status)
    key = (
        f"page:letter:{letter.pk}:{letter.current_version_id}:{list_generation(letter.pk)}:"
        f"{request.scheme}://{request.get_host()}{request.path}"
    )
    html = cache.get(key)
    if html is None:
        context = {**_context(letter, None), "csrf_value": CSRF_HOLE, "form_ts": TS_HOLE}
        html = render_to_string("letter/detail.html", context, request=request)
        cache.set(key, html, PAGE_TTL)
    html = html.replace(CSRF_HOLE, get_token(request), 1).replace(TS_HOLE, form_timestamp(), 1)
    return HttpResponse(html)


def home(request):
    return letter_page(request, letter_get_published())


def detail(request, slug):
    return letter_page(request, letter_get_published(slug=slug))


def method(request):
    return render(request, "letter/method.html")
