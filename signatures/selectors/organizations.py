"""Reads about organizations: which confirmed domain, if any, backs a signer's affiliation."""

from ..domains import email_domain, owned_domains
from ..models import OrganizationDomain
from ..names import organization_key


def confirmed_domain_for(*, email: str, organization: str) -> OrganizationDomain | None:
    """The confirmed domain that puts a signature at the "domain" level: one that covers the
    email's domain (itself or a parent) and belongs to the organization the signer named (by
    name or alias). One indexed query; None when there is none."""
    key = organization_key(organization)
    candidates = owned_domains(email_domain(email))
    if not key or not candidates:
        return None
    for confirmed in OrganizationDomain.objects.filter(domain__in=candidates).select_related("organization"):
        if key in confirmed.organization.name_keys():
            return confirmed
    return None


def confirmed_domains_for(signatures) -> dict[int, OrganizationDomain]:
    """`confirmed_domain_for` for a page of signatures, in one query: {signature pk: domain}
    for those that have one."""
    wanted = {
        s.pk: (organization_key(s.organization), owned_domains(email_domain(s.email_normalized))) for s in signatures
    }
    domains = {d for key, candidates in wanted.values() if key for d in candidates}
    if not domains:
        return {}
    by_domain = {
        confirmed.domain: confirmed
        for confirmed in OrganizationDomain.objects.filter(domain__in=domains).select_related("organization")
    }
    found = {}
    for pk, (key, candidates) in wanted.items():
        for domain in candidates:
            confirmed = by_domain.get(domain)
            if key and confirmed and key in confirmed.organization.name_keys():
                found[pk] = confirmed
                break
    return found
