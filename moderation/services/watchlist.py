"""The watchlist: high-profile names whose signatures are approved one by one, with a note.

Names are compared by `names.name_key`, a confusable skeleton: an entry for "Famous Person" also
holds back "F\u0430mous Person" (Cyrillic а) and "Famous Per\u200bson" (a zero-width space)."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from signatures.models import Signature, WatchlistEntry
from signatures.names import clean_name_text, name_key

NOTE_MAX = 300


def watchlist_add(*, name: str, note: str = "") -> tuple[WatchlistEntry, bool]:
    """Put a name on the watchlist. Returns (entry, created); a name already there under any
    spelling that shares its key is left as it is."""
    name = clean_name_text(name)[: Signature.NAME_MAX]
    key = name_key(name)
    if not key:
        raise ValueError(f"{name!r} has no letters or digits to match on.")
    try:
        with transaction.atomic():
            return WatchlistEntry.objects.get_or_create(name_key=key, defaults={"name": name, "note": note[:NOTE_MAX]})
    except IntegrityError:  # added meanwhile by someone else
        return WatchlistEntry.objects.get(name_key=key), False


def watchlist_remove(*, entry_id: int) -> bool:
    """Take a name off the watchlist. Returns whether it was there (a second click is harmless)."""
    deleted, _ = WatchlistEntry.objects.filter(pk=entry_id).delete()
    return bool(deleted)


@dataclass
class WatchlistLoad:
    added: int = 0
    skipped: int = 0  # already on the watchlist, or repeated in the file
    invalid: list = field(default_factory=list)  # (line number, text): nothing to match on


def watchlist_load(*, lines) -> WatchlistLoad:
    """Load names, one a line, as `load_watchlist` reads them: blank lines and lines starting
    with "#" are ignored. Idempotent: names already there (by key) are skipped, so loading the
    same file twice adds nothing the second time."""
    report = WatchlistLoad()
    wanted = {}  # key -> name, first spelling in the file wins
    for number, line in enumerate(lines, start=1):
        text = clean_name_text(line)
        if not text or text.startswith("#"):
            continue
        text = text[: Signature.NAME_MAX]
        key = name_key(text)
        if not key:
            report.invalid.append((number, text))
        elif key in wanted:
            report.skipped += 1
        else:
            wanted[key] = text
    with transaction.atomic():
        present = set(WatchlistEntry.objects.filter(name_key__in=wanted).values_list("name_key", flat=True))
        new = [WatchlistEntry(name=name, name_key=key) for key, name in wanted.items() if key not in present]
        # A concurrent load may add some of the same keys meanwhile: no error, though they are
        # then counted as added here too.
        created = WatchlistEntry.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    report.added = len(created)
    report.skipped += len(wanted) - len(created)
    return report
