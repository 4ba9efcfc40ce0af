from django.core.cache import cache
from django.shortcuts import render

from signatures.abuse import form_timestamp
from signatures.forms import SignatureForm
from signatures.selectors import featured_signatures, list_generation, public_count, recent_signatures

from .models import Letter
from .selectors import letter_get_published


def letter_page(request, letter: Letter, form: SignatureForm | None = None, status: int = 200):
    """The letter with its sign form; also rendered by the sign view to show form errors.

    The signatory lists are cached until the public list changes; the form (with the reader's
    own CSRF token) is rendered for each request.
    """
    key = f"letter:{letter.pk}:people:{list_generation(letter.pk)}"
    people = cache.get(key)
    if people is None:
        people = (featured_signatures(letter=letter), recent_signatures(letter=letter))
        cache.set(key, people, 300)
    context = {
        "letter": letter,
        "version": letter.current_version,
        "count": public_count(letter=letter),
        "featured": people[0],
        "recent": people[1],
        "form": form or SignatureForm(),
        "form_ts": form_timestamp(),
    }
    return render(request, "letter/detail.html", context, status=status)


def home(request):
    return letter_page(request, letter_get_published())


def detail(request, slug):
    return letter_page(request, letter_get_published(slug=slug))


def method(request):
    return render(request, "letter/method.html")
