"""The audit log in words a volunteer moderator reads without knowing the database.

An event stores what changed as two small dicts (`before`, `after`); these filters turn them
into sentences ("Status: Email confirmed, awaiting review → Approved (public).") instead of
showing the raw dicts. Unknown keys still appear, by their name, so nothing recorded is hidden.
"""

from django import template
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature

register = template.Library()

FIELDS = {
    "status": (_("Status"), dict(Signature.Status.choices)),
    "verification": (_("Verification"), dict(Signature.Verification.choices)),
    "featured": (_("Featured"), {True: pgettext_lazy("featured", "yes"), False: pgettext_lazy("featured", "no")}),
    "title": (pgettext_lazy("job title", "Title"), None),
    "organization": (_("Organization"), None),
}


def _value(key: str, value) -> str:
    labels = FIELDS.get(key, (None, None))[1]
    if labels is not None and value in labels:
        return labels[value]
    if value in ("", None):
        return gettext("(empty)")
    # Translators: a value a moderator changed (a title, an organization), quoted.
    return gettext("“%(value)s”") % {"value": value} if isinstance(value, str) else str(value)


@register.filter
def audit_changes(event) -> list[str]:
    """One sentence per field the event changed, in a stable order: status first."""
    before, after = event.before or {}, event.after or {}
    if before.get("erased") or after.get("erased"):
        return [gettext("The signer's personal details were erased when they withdrew.")]
    keys = [k for k in FIELDS if k in before or k in after]
    keys += sorted(k for k in {*before, *after} if k not in FIELDS)
    sentences = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = FIELDS.get(key, (key.replace("_", " ").capitalize(), None))[0]
        if key not in before:
            text = gettext("%(field)s set to %(value)s.") % {"field": label, "value": _value(key, new)}
        else:
            text = gettext("%(field)s: %(before)s → %(after)s.") % {
                "field": label,
                "before": _value(key, old),
                "after": _value(key, new),
            }
        sentences.append(text)
    return sentences


@register.filter
def audit_actor(event) -> str:
    """Who acted: the moderator's email, or the signer for their own withdrawal."""
    if event.actor_email:
        return event.actor_email
    if event.action == "withdraw" or (event.action == "edit" and event.actor_id is None):
        return gettext("The signer")  # withdrawn, or corrected on "your signature"
    if event.action == "import":
        return gettext("An import from the command line")
    return gettext("Unknown (account deleted)")
