"""Days as the digests count them: calendar days in UTC."""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone


def yesterday() -> date:
    """The day before today in UTC: the day a digest published now is about."""
    return timezone.now().astimezone(UTC).date() - timedelta(days=1)


def yesterday_at(hour: int, minute: int = 0) -> datetime:
    """A moment of yesterday (UTC), for rows that a digest of yesterday should count."""
    return datetime.combine(yesterday(), time(hour, minute), tzinfo=UTC)
