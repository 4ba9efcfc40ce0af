from django.shortcuts import render

from signatures.forms import SignatureForm
from signatures.selectors import featured_signatures, public_count, recent_signatures

from .models import Letter
from .selectors import letter_get_published


def letter_page(request, letter: Letter, form: SignatureForm | None = None, status: int = 200):
    """The letter with its sign form; also rendered by the sign view to show form errors."""
    context = {
        "letter": letter,
        "version": letter.current_version,
        "count": public_count(letter=letter),
        "featured": featured_signatures(letter=letter),
        "recent": recent_signatures(letter=letter),
        "form": form or SignatureForm(),
    }
    return render(request, "letter/detail.html", context, status=status)


def home(request):
    return letter_page(request, letter_get_published())


def detail(request, slug):
    return letter_page(request, letter_get_published(slug=slug))


def method(request):
    return render(request, "letter/method.html")
