"""The signatures app's models, one module per concern. Everything is importable from
`signatures.models` as before (migrations name `signatures.models.new_public_id`)."""

from .deliveries import Delivery
from .log import Checkpoint, DailyDigest, LogHead, LogLeaf, LogNode
from .organizations import Organization, OrganizationDomain
from .outbox import OutgoingEmail
from .signature import ModerationEvent, Signature, SignatureQuerySet, WatchlistEntry, new_public_id
from .updates import UPDATES_CONSENT_TEXT, Update

__all__ = [
    "Checkpoint",
    "DailyDigest",
    "Delivery",
    "LogHead",
    "LogLeaf",
    "LogNode",
    "ModerationEvent",
    "Organization",
    "OrganizationDomain",
    "OutgoingEmail",
    "Signature",
    "SignatureQuerySet",
    "UPDATES_CONSENT_TEXT",
    "Update",
    "WatchlistEntry",
    "new_public_id",
]
