"""Signing: create a signature, confirm it, send a fresh link, withdraw it, erase stale ones.
One function per action, one transaction each."""

import logging
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from freefable.cache import bump
from letter.models import Letter, LetterVersion

from .. import domains, names
from ..models import UPDATES_CONSENT_TEXT, ModerationEvent, OutgoingEmail, Signature
from ..selectors.cache import public_list_changed
from ..selectors.organizations import confirmed_domain_for
from ..tokens import details_digest
from .insert import VARIANT_REASON, signature_insert_new
from .log import log_erase, log_unpublished
from .outbox import hand_over, outgoing_email_queue, within_daily_caps

logger = logging.getLogger(__name__)

Status = Signature.Status
Kind = OutgoingEmail.Kind


def email_normalize(email: str) -> str:
    """The form of an email that decides "same signer": NFKC, trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_base(email_normalized: str) -> str:
    """The mailbox an address reaches, as far as we can tell: without a "+tag" and without the
    quotes of a quoted local part, so jane+x@corp.example, "jane"@corp.example and
    jane@corp.example share one."""
    local, _, domain = email_normalized.rpartition("@")
    local = local.replace("\\", "").strip('"')
    return f"{local.split('+', 1)[0]}@{domain}"


def signer_fields(*, name: str, email: str) -> dict:
    """The stored forms of a signer's name and email: as given, plus the normalised forms that
    decide "same signer" (email), "plus-address variant" (email base) and "similar name"."""
    normalized = email_normalize(email)
    return {
        "name": name,
        "name_key": names.name_key(name),
        "email": email.strip(),
        "email_normalized": normalized,
        "email_base": email_base(normalized),
    }


def signature_create(
    *,
    letter: Letter,
    name: str,
    email: str,
    title: str = "",
    organization: str = "",
    link: str = "",
    network_hash: str = "",
    loaded_form: bool = True,
    updates: bool = False,
    version: LetterVersion | None = None,
    language: str = "",
) -> tuple[Signature, bool]:
    """Sign `letter`, or answer a repeat signer. Returns (signature, created).

    `version` is the text the signer read (default: the letter's current one) and `language`
    the language of the pages they signed on (default: the version's); their emails use it.

    A new email makes a pending signature and a confirmation email. The same email again never
    makes a second row (the database's unique constraint decides, also under concurrent
    requests): while pending it gets a fresh confirmation link, once confirmed an email saying
    so. The caller answers every case alike, so nobody can learn who signed.
    """
    email_normalized = email_normalize(email)
    version_id, language = _read(letter, version, language)
    with translation.override(language):
        consent_text = str(UPDATES_CONSENT_TEXT)  # the words they ticked, in their language
    new = Signature(
        letter=letter,
        version_id=version_id,
        language=language,
        **signer_fields(name=name, email=email),
        title=title,
        organization=organization,
        link=link,
        network_hash=network_hash,
        # consent to update emails: when, and the exact words ticked
        updates_consent_at=timezone.now() if updates else None,
        updates_consent_text=consent_text if updates else "",
        suspicious_reasons=signer_reasons(
            letter=letter, email_normalized=email_normalized, network_hash=network_hash, loaded_form=loaded_form
        ),
    )
    if connection.vendor == "postgresql":
        inserted = signature_insert_new(new)
        if inserted:  # a new signer: one statement, done
            new.pk, outgoing_id = inserted
            if within_daily_caps(email_base=new.email_base, network_hash=network_hash):
                hand_over([outgoing_id])
            else:
                OutgoingEmail.objects.filter(pk=outgoing_id).update(status=OutgoingEmail.Status.CANCELLED)
            return new, True
    with transaction.atomic():
        new.suspicious_reasons = (
            variant_reasons(letter=letter, email_normalized=email_normalized) + new.suspicious_reasons
        )
        try:
            with transaction.atomic():
                new.save(force_insert=True)
            signature, created = new, True
        except IntegrityError:
            signature = (
                Signature.objects.select_for_update()
                .exclude(status=Status.WITHDRAWN)
                .get(letter=letter, email_normalized=email_normalized)
            )
            created = False
            _replace_pending_details(signature, new)
        kind = Kind.CONFIRM if signature.status == Status.PENDING else Kind.ALREADY_SIGNED
        outgoing_email_queue(signature=signature, kind=kind)
    return signature, created


def _read(letter: Letter, version: LetterVersion | None, language: str) -> tuple[int, str]:
    """The version id and page language a signature records."""
    if version is None:
        return letter.current_version_id, language or letter.language
    if version.letter_id != letter.pk:
        raise ValueError("The version read belongs to another letter.")
    return version.pk, language or version.language


def _replace_pending_details(signature: Signature, new: Signature) -> bool:
    """While a signature is unconfirmed, the latest details sent with its address replace the
    earlier ones: whoever used the address first (perhaps not its owner) does not decide what
    the owner confirms. Each confirm link names the details it was sent for (tokens.py), so an
    older link cannot confirm these, nor a newer one the old. Returns whether anything changed."""
    if signature.status != Status.PENDING:
        return False
    shown = ("name", "title", "organization", "link")
    if all(getattr(signature, field) == getattr(new, field) for field in shown):
        return False
    fields = [*shown, "name_key", "email", "suspicious_reasons"]
    for field in fields:
        setattr(signature, field, getattr(new, field))
    signature.version_id = new.version_id  # the id: reading new.version would fetch the row
    signature.language = new.language
    signature.save(update_fields=[*fields, "version", "language"])
    return True


# Throwaway inboxes (the maintained list in signatures.domains): the signature goes to the
# queue's "Suspicious" filter.
DISPOSABLE_REASON = "Disposable email domain"


def variant_reasons(*, letter: Letter, email_normalized: str) -> list[str]:
    """A plus-address (or quoted) variant of another live signer's address on this letter.
    (insert.py makes the same check inside its statement.)"""
    variants = (
        Signature.objects.filter(letter=letter, email_base=email_base(email_normalized))
        .exclude(status=Status.WITHDRAWN)
        .exclude(email_normalized=email_normalized)
    )
    return [VARIANT_REASON] if variants.exists() else []


def signer_reasons(*, letter: Letter, email_normalized: str, network_hash: str, loaded_form: bool) -> list[str]:
    """Why moderators should look twice at a new signature, from what the request shows,
    without a query. Nothing here refuses anyone: a burst may be one office signing together.

    Bursts are counted in the cache per network in fixed BURST_WINDOW_MINUTES windows (one
    round trip, however busy the network): a burst that straddles two windows is seen once it
    passes the threshold within one of them."""
    reasons = []
    if network_hash:
        window = settings.BURST_WINDOW_MINUTES * 60
        bucket = int(timezone.now().timestamp() // window)
        count = bump(f"burst:{letter.pk}:{network_hash}:{bucket}", 2 * window)
        if count is not None and count > settings.BURST_THRESHOLD:
            reasons.append(f"Burst: {count} signatures from one network within {settings.BURST_WINDOW_MINUTES} minutes")
    if not loaded_form:
        reasons.append("Posted without loading the sign form")
    if domains.is_disposable(email_normalized):
        reasons.append(DISPOSABLE_REASON)
    return reasons


def verification_level(signature: Signature) -> str:
    """The level a confirmed email earns: "domain" only at a domain moderators confirmed for
    the organization the signer named; a domain that merely resembles it earns "email"."""
    if confirmed_domain_for(email=signature.email_normalized, organization=signature.organization):
        return Signature.Verification.DOMAIN
    return Signature.Verification.EMAIL


class DetailsChanged(Exception):
    """The details were replaced after the confirm link was sent: it confirms nothing now."""


def signature_confirm(*, public_id: str, digest: str = "") -> tuple[Signature, bool]:
    """Confirm a pending signature's email; it then waits for moderation.

    `digest` is the fingerprint of the details the confirm link was sent for (tokens.py); when
    the details changed since, DetailsChanged is raised and nothing is confirmed. Returns
    (signature, changed): changed is False when it was not pending (a second click, or a reused
    link), which changes nothing. Raises Signature.DoesNotExist for an unknown id.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status != Status.PENDING:
            return signature, False
        if digest and digest != details_digest(signature):
            raise DetailsChanged
        signature.status = Status.VERIFIED
        signature.verified_at = timezone.now()
        signature.verification = verification_level(signature)
        signature.save(update_fields=["status", "verified_at", "verification"])
    return signature, True


def signature_resend_confirmation(*, public_id: str) -> Signature:
    """A fresh confirmation link for a pending signature whose link expired."""
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status == Status.PENDING:
            outgoing_email_queue(signature=signature, kind=Kind.CONFIRM)
    return signature


ERASED_FIELDS = {
    "name": "",
    "name_key": "",
    "email": "",
    "email_normalized": "",
    "email_base": "",
    "title": "",
    "organization": "",
    "link": "",
    "moderation_note": "",
    "network_hash": "",
    "suspicious_reasons": [],
    "featured": False,
}


def signature_withdraw(*, public_id: str) -> tuple[Signature, bool]:
    """Withdraw a signature and erase its signer's personal data.

    The row stays as a tombstone (status, letter, version, timestamps) so counts and the audit
    trail stay consistent. Returns (signature, changed); False when already withdrawn.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(public_id=public_id)
        if signature.status == Status.WITHDRAWN:
            return signature, False
        before_status = signature.status
        for name, value in ERASED_FIELDS.items():
            setattr(signature, name, value)
        signature.status = Status.WITHDRAWN
        signature.withdrawn_at = timezone.now()
        signature.save()
        signature.emails.filter(status=OutgoingEmail.Status.QUEUED).update(status=OutgoingEmail.Status.CANCELLED)
        # Erasure reaches the audit log too: edits hold old titles and organizations, and notes
        # may say how the person was reached. Who decided what, and when, stays.
        signature.events.filter(action=ModerationEvent.Action.EDIT).update(
            before={"erased": True}, after={"erased": True}
        )
        signature.events.exclude(note="").update(note="(erased on withdrawal)")
        # The log keeps the hashes of this signer's rows (published lists still verify) and
        # forgets their text; a public signature's removal is itself logged.
        if before_status == Status.APPROVED:
            log_unpublished(signature_ids=[signature.pk])
        log_erase(public_ids=[signature.public_id])
        ModerationEvent.objects.create(
            signature=signature,
            action=ModerationEvent.Action.WITHDRAW,
            before={"status": before_status},
            after={"status": Status.WITHDRAWN},
        )
        transaction.on_commit(partial(public_list_changed, signature.letter_id))
    return signature, True


def signatures_erase_unconfirmed(*, dry_run: bool = False) -> int:
    """Delete pending signatures whose last confirmation link expired ERASE_UNCONFIRMED_AFTER_DAYS
    ago. They were never public, so nothing else refers to them. Returns how many (would) go."""
    cutoff = (
        timezone.now()
        - timedelta(seconds=settings.CONFIRM_TOKEN_MAX_AGE)
        - timedelta(days=settings.ERASE_UNCONFIRMED_AFTER_DAYS)
    )
    stale = (
        Signature.objects.filter(status=Status.PENDING)
        .annotate(last_link=Coalesce(Max("emails__created_at", filter=Q(emails__kind=Kind.CONFIRM)), "created_at"))
        .filter(last_link__lt=cutoff)
    )
    if dry_run:
        return stale.count()
    with transaction.atomic():
        ids = list(stale.values_list("pk", flat=True))
        Signature.objects.filter(pk__in=ids, status=Status.PENDING).delete()
    logger.info("erased %d unconfirmed signature(s)", len(ids))
    return len(ids)
