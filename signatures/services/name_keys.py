"""Recomputing the stored name keys when the key function or its Unicode data changes (a new
names.name_key, a PyICU upgrade with new confusables): the watchlist and the similar-name hint
compare stored keys, so old and new keys must never be mixed."""

from ..names import name_key

BATCH = 2000


def name_keys_recompute(*, signature_model=None, watchlist_model=None) -> tuple[int, int, int]:
    """Store `name_key(name)` wherever it differs. Returns (signatures changed, watchlist entries
    changed, watchlist entries merged).

    Two watchlist entries can fall on one key (a name entered twice, once with an invisible
    character): the older one stays, with the other's note added to its own. Takes the model
    classes so that a data migration can pass its historical ones.
    """
    if signature_model is None or watchlist_model is None:
        from ..models import Signature, WatchlistEntry

        signature_model, watchlist_model = signature_model or Signature, watchlist_model or WatchlistEntry

    signatures_changed = 0
    last = 0
    while True:
        rows = list(
            signature_model.objects.filter(pk__gt=last)
            .exclude(name="")
            .order_by("pk")
            .only("pk", "name", "name_key")[:BATCH]
        )
        if not rows:
            break
        last = rows[-1].pk
        changed = []
        for row in rows:
            key = name_key(row.name)
            if key != row.name_key:
                row.name_key = key
                changed.append(row)
        signature_model.objects.bulk_update(changed, ["name_key"])
        signatures_changed += len(changed)

    merged = 0
    kept, changed = {}, []
    for entry in watchlist_model.objects.order_by("pk"):
        key = name_key(entry.name)
        if key in kept:
            first = kept[key]
            if entry.note and entry.note not in first.note:
                first.note = "; ".join(filter(None, [first.note, entry.note]))[:300]
                watchlist_model.objects.filter(pk=first.pk).update(note=first.note)
            entry.delete()
            merged += 1
            continue
        kept[key] = entry
        if key != entry.name_key:
            changed.append((entry.pk, key))
    # Keys are unique and may trade places between entries: each changed row first takes a
    # placeholder no name can give ("~" is never in a key), then its new key.
    for pk, _ in changed:
        watchlist_model.objects.filter(pk=pk).update(name_key=f"~{pk}")
    for pk, key in changed:
        watchlist_model.objects.filter(pk=pk).update(name_key=key)
    return signatures_changed, len(changed), merged
