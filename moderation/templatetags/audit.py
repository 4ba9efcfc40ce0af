"""The audit log in words a volunteer moderator reads without knowing the database.

An event stores what changed as two small dicts (`before`, `after`); these filters turn them
into sentences ("Status: Email confirmed, awaiting review → Approved (public).") instead of
showing the raw dicts. Unknown keys still appear, by their name, so nothing recorded is hidden.
"""

from django import template

from signatures.models import Signature

register = template.Library()

FIELDS = {
    "status": ("Status", dict(Signature.Status.choices)),
    "verification": ("Verification", dict(Signature.Verification.choices)),
    "featured": ("Featured", {True: "yes", False: "no"}),
    "title": ("Title", None),
    "organization": ("Organization", None),
}


def _value(key: str, value) -> str:
    labels = FIELDS.get(key, (None, None))[1]
    if labels is not None and value in labels:
        return labels[value]
    if value in ("", None):
        return "(empty)"
    return f"“{value}”" if isinstance(value, str) else str(value)


@register.filter
def audit_changes(event) -> list[str]:
    """One sentence per field the event changed, in a stable order: status first."""
    before, after = event.before or {}, event.after or {}
    if before.get("erased") or after.get("erased"):
        return ["The signer's personal details were erased when they withdrew."]
    keys = [k for k in FIELDS if k in before or k in after]
    keys += sorted(k for k in {*before, *after} if k not in FIELDS)
    sentences = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = FIELDS.get(key, (key.replace("_", " ").capitalize(), None))[0]
        if key not in before:
            sentences.append(f"{label} set to {_value(key, new)}.")
        else:
            sentences.append(f"{label}: {_value(key, old)} → {_value(key, new)}.")
    return sentences


@register.filter
def audit_actor(event) -> str:
    """Who acted: the moderator's email, or the signer for their own withdrawal."""
    if event.actor_email:
        return event.actor_email
    if event.action == "withdraw" or (event.action == "edit" and event.actor_id is None):
        return "The signer"  # withdrawn, or corrected on "your signature"
    if event.action == "import":
        return "An import from the command line"
    return "Unknown (account deleted)"
