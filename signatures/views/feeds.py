"""The Atom feed of newly approved signatories (additions are visible, not silent) and of the
organizers' updates."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext

from letter.selectors import letter_get_published

from ..exports import public_record
from ..models import Signature, Update
from ..selectors.public import PUBLIC_FIELDS

ITEMS = 50


class ApprovedFeed(Feed):
    """Atom feed of newly approved signatories (additions are visible, not silent)."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return letter_get_published(slug=slug)

    def title(self, letter):
        return gettext("New signatories: %(title)s") % {"title": letter.title}

    def link(self, letter):
        return reverse("signatures:list", args=[letter.slug])

    def subtitle(self, letter):
        return gettext("Signatures approved by the moderators, newest first. Email addresses are never published.")

    def items(self, letter):
        signatures = list(
            Signature.objects.public()
            .filter(letter=letter)
            .select_related("letter", "version")
            .order_by("-approved_at", "-id")
            .only(*PUBLIC_FIELDS, "letter__slug", "version__number", "version__language")[:ITEMS]
        )
        updates = list(Update.objects.filter(letter=letter).select_related("letter")[:ITEMS])
        return sorted(signatures + updates, key=self.item_pubdate, reverse=True)[:ITEMS]

    def item_title(self, item):
        if isinstance(item, Update):
            return gettext("Update: %(title)s") % {"title": item.title}
        return item.name  # Atom titles are plain text: the XML writer escapes them

    def item_description(self, item):
        if isinstance(item, Update):
            return item.body_html  # HTML already, sanitised by letter.markdown when published
        # The summary is type="html": a reader decodes the XML once, then reads HTML. Escaping
        # here keeps a signer's "<img onerror=...>" as text, never markup.
        row = public_record(item)
        return escape(", ".join(filter(None, [row["title"], row["organization"]])) or row["name"])

    def item_link(self, item):
        if isinstance(item, Update):
            return reverse("letter:detail", args=[item.letter.slug]) + f"#update-{item.pk}"
        return (
            reverse("signatures:list", args=[item.letter.slug])
            + "?"
            + urlencode({"q": item.name})
            + f"#{item.public_id}"
        )

    def item_guid(self, item):
        if isinstance(item, Update):
            return f"{settings.SITE_URL}/updates/{item.pk}"
        return f"{settings.SITE_URL}/signatures/{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at if isinstance(item, Update) else item.approved_at

    def item_updateddate(self, item):
        return self.item_pubdate(item)
