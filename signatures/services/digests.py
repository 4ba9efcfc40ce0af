"""Daily digests: the SHA-256 of the public list as it stood at the end of each UTC day."""

import hashlib
from datetime import UTC, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from letter.models import Letter

from ..exports import PUBLIC_COLUMNS, csv_lines
from ..models import DailyDigest, Signature
from ..selectors.public import export_rows

Status = Signature.Status


def digest_csv_lines(*, letter: Letter, day):
    """The CSV of the list as it stood at the end of `day` (UTC): the bytes the digest hashes
    and the dated download serves."""
    until = day_end(day)
    return csv_lines(PUBLIC_COLUMNS, export_rows(letter=letter, until=until))


def day_end(day):
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def digest_publish(*, letter: Letter, day) -> DailyDigest:
    """Hash the list as it stood at the end of `day` and publish the digest (once per day)."""
    existing = DailyDigest.objects.filter(letter=letter, day=day).first()
    if existing:
        return existing
    digest, count = hashlib.sha256(), 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for piece in csv_lines(PUBLIC_COLUMNS, counted(export_rows(letter=letter, until=day_end(day)))):
        digest.update(piece.encode("utf-8"))
    withdrawn = Signature.objects.filter(
        letter=letter,
        status=Status.WITHDRAWN,
        approved_at__isnull=False,
        withdrawn_at__gte=day_end(day) - timedelta(days=1),
        withdrawn_at__lt=day_end(day),
    ).count()
    try:
        with transaction.atomic():
            return DailyDigest.objects.create(
                letter=letter, day=day, count=count, withdrawn=withdrawn, sha256=digest.hexdigest()
            )
    except IntegrityError:  # published meanwhile by another run
        return DailyDigest.objects.get(letter=letter, day=day)


def yesterday():
    """The last complete day (UTC), the one the nightly digest publishes."""
    return timezone.now().date() - timedelta(days=1)
