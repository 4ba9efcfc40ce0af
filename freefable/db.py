"""Which database a read goes to."""

from django.conf import settings


def public_database() -> str:
    """The alias for reads of public pages: the replica when one is configured."""
    return "replica" if "replica" in settings.DATABASES else "default"
