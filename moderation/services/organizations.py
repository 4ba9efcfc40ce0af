"""Organizations and their confirmed email domains: what earns a signature the "domain" level.

A moderator confirms an organization-domain pair once, with the evidence they used (the
organization's staff page lists addresses at the domain, a DNS record, a call). It then covers
every signature from that domain, and its subdomains, that names the organization."""

from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from signatures import domains
from signatures.models import ModerationEvent, Organization, OrganizationDomain, Signature
from signatures.names import clean_name_text, organization_key
from signatures.selectors.cache import public_list_changed
from signatures.services.log import log_published

from .decisions import _event

Status = Signature.Status
Verification = Signature.Verification

EVIDENCE_MAX = 2000
# Signatures a new confirmation can raise: confirmed by email, and not yet public or public.
# Pending ones get their level when their email is confirmed.
RAISABLE = (Status.VERIFIED, Status.APPROVED, Status.REJECTED)


@dataclass
class DomainConfirmation:
    organization: Organization
    confirmed: OrganizationDomain
    created: bool  # False: the pair was already confirmed, nothing changed
    raised: int = 0  # signatures raised from "email" to "domain"
    public: int = 0  # of them, on the public list (their public row changed)


def organization_find(*, name: str) -> Organization | None:
    """The organization called `name`, or with it as an alias (case and accents do not count)."""
    key = organization_key(name)
    if not key:
        return None
    # Organizations are few (hundreds): compared in Python, aliases included.
    return next((org for org in Organization.objects.all() if key in org.name_keys()), None)


def _check_domain(domain: str) -> str:
    domain = domains.normalize_domain(domain)
    if not domain or "." not in domain or any(not label for label in domain.split(".")):
        raise ValidationError(gettext("Enter a domain, like example.org."))
    if not domains.registrable_domain(domain):
        raise ValidationError(
            gettext("%(domain)s is a public suffix that many owners share, not one organization's domain.")
            % {"domain": domain}
        )
    if domains.is_free_mail(f"x@{domain}") or domains.is_disposable(f"x@{domain}"):
        raise ValidationError(
            gettext("Anyone can get an address at %(domain)s: it cannot confirm an affiliation.") % {"domain": domain}
        )
    return domain


def organization_domain_confirm(*, moderator, organization_name: str, domain: str, evidence: str) -> DomainConfirmation:
    """Confirm that `domain` (and its subdomains) is `organization_name`'s email domain, and raise
    the signatures it now covers from "email" to "domain", each with an audit row.

    The organization is found by name or alias, or created. A domain has one owner: confirming
    it for a second organization is refused (add the other name as an alias instead).
    Confirming a pair again changes nothing.
    """
    name = clean_name_text(organization_name)[: Signature.ORGANIZATION_MAX]
    evidence = evidence.strip()
    if not organization_key(name):
        raise ValidationError(gettext("Enter the organization's name."))
    if not evidence:
        raise ValidationError(gettext("Say how you checked that this domain is the organization's."))
    if len(evidence) > EVIDENCE_MAX:
        raise ValidationError(
            gettext("Please keep the evidence to %(limit_value)d characters.") % {"limit_value": EVIDENCE_MAX}
        )
    domain = _check_domain(domain)
    with transaction.atomic():
        existing = OrganizationDomain.objects.select_for_update().select_related("organization").filter(domain=domain)
        existing = existing.first()
        organization = organization_find(name=name)
        if existing is not None:
            if organization is None or existing.organization_id != organization.pk:
                text = gettext(
                    "%(domain)s is already confirmed for %(organization)s. "
                    "If this is the same organization, add the name as an alias there."
                )
                raise ValidationError(text % {"domain": domain, "organization": existing.organization.name})
            return DomainConfirmation(organization=organization, confirmed=existing, created=False)
        if organization is None:
            organization, _ = Organization.objects.get_or_create(name=name)
        confirmed = OrganizationDomain.objects.create(
            organization=organization,
            domain=domain,
            evidence=evidence,
            confirmed_by=moderator,
            confirmed_by_email=getattr(moderator, "email", "") or "",
            confirmed_at=timezone.now(),
        )
        result = DomainConfirmation(organization=organization, confirmed=confirmed, created=True)
        _raise_covered_signatures(result, moderator=moderator)
    return result


def _raise_covered_signatures(result: DomainConfirmation, *, moderator) -> None:
    """Give the "domain" level to the signatures the new confirmation covers: at the domain or
    under it, naming the organization, and at the "email" level now (a moderator's check or
    the launch list is left as it is)."""
    domain, keys = result.confirmed.domain, result.organization.name_keys()
    at_domain = Q(email_normalized__endswith=f"@{domain}") | Q(email_normalized__endswith=f".{domain}")
    candidates = Signature.objects.filter(at_domain, status__in=RAISABLE, verification=Verification.EMAIL)
    rows = [
        (pk, letter_id, status)
        for pk, letter_id, status, organization, email in candidates.values_list(
            "pk", "letter_id", "status", "organization", "email_normalized"
        )
        if organization_key(organization) in keys and domains.domain_is_or_under(domains.email_domain(email), domain)
    ]
    if not rows:
        return
    pks = [pk for pk, _, _ in rows]
    # Guarded: only rows still at "email" (a moderator may have approved one with a note meanwhile).
    locked = set(
        Signature.objects.select_for_update()
        .filter(pk__in=pks, verification=Verification.EMAIL)
        .values_list("pk", flat=True)
    )
    rows = [row for row in rows if row[0] in locked]
    Signature.objects.filter(pk__in=locked).update(verification=Verification.DOMAIN)
    note = f"{domain} confirmed for {result.organization.name}: {result.confirmed.evidence}"
    ModerationEvent.objects.bulk_create(
        _event(
            Signature(pk=pk),
            moderator,
            ModerationEvent.Action.DOMAIN,
            {"verification": Verification.EMAIL},
            {"verification": Verification.DOMAIN},
            note,
            bulk=True,
        )
        for pk, _, _ in rows
    )
    result.raised = len(rows)
    public = [(pk, letter_id) for pk, letter_id, status in rows if status == Status.APPROVED]
    result.public = len(public)
    # The public rows' "verification" column changed: the transparency log records the new rows,
    # and the lists and their caches follow.
    if public:
        log_published(signature_ids=[pk for pk, _ in public])
    for letter_id in {letter_id for _, letter_id in public}:
        transaction.on_commit(partial(public_list_changed, letter_id))
