import re
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from . import markdown
from .models import Letter, LetterVersion
from .selectors import forget_letter

TITLE_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def letter_parse_markdown(text: str) -> tuple[str, str]:
    """Split a Markdown letter into (title, body): the title is the first `# ` heading."""
    match = TITLE_RE.search(text)
    if not match:
        raise ValidationError("The letter needs a title: a first line like '# Our letter'.")
    body = (text[: match.start()] + text[match.end() :]).strip()
    if not body:
        raise ValidationError("The letter has a title but no text.")
    return match.group(1).strip(), body


@transaction.atomic
def letter_save(*, letter: Letter) -> tuple[Letter, bool]:
    """Save a letter; when its title or body changed, record a new version.

    Returns the letter and whether a new version was made. Signatures keep pointing at the
    version they signed. Making this letter primary takes the role from any other.
    """
    if letter.is_primary:
        Letter.objects.filter(is_primary=True).exclude(pk=letter.pk).update(is_primary=False)
    old_slug = Letter.objects.filter(pk=letter.pk).values_list("slug", flat=True).first() if letter.pk else None
    transaction.on_commit(partial(forget_letter, letter.slug, *filter(None, [old_slug])))
    letter.save()
    current = letter.current_version
    if current is not None and current.title == letter.title and current.body == letter.body:
        return letter, False
    last = letter.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = LetterVersion.objects.create(
        letter=letter,
        number=last + 1,
        title=letter.title,
        body=letter.body,
        body_html=markdown.render(letter.body),
    )
    letter.current_version = version
    letter.save(update_fields=["current_version", "updated_at"])
    return letter, True


@transaction.atomic
def letter_load(*, slug: str, text: str, primary: bool = False, publish: bool = True) -> tuple[Letter, bool]:
    """Create or update the letter `slug` from Markdown text (see `load_letter`)."""
    title, body = letter_parse_markdown(text)
    letter = Letter.objects.select_for_update().filter(slug=slug).first() or Letter(slug=slug)
    letter.title = title
    letter.body = body
    if publish and letter.state == Letter.State.DRAFT:
        # A letter that is collecting (or already live or closed) keeps its launch state:
        # reloading its text must not publish it early.
        letter.state = Letter.State.LIVE
    if primary:
        letter.is_primary = True
    if not letter.summary:
        first_paragraph = body.split("\n\n", 1)[0]
        letter.summary = re.sub(r"[*_`#>\[\]]", "", first_paragraph).strip()[:300]
    return letter_save(letter=letter)
