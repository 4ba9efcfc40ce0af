"""Organizations and the email domains moderators confirmed for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .signature import Signature


class Organization(models.Model):
    """An organization signers name, with the email domains moderators confirmed as its own.

    A signature is at the "domain" level only when it names the organization (its name or an
    alias, compared case- and accent-blind) and its email is at one of these domains or under one.
    A domain that merely looks like the name (microsoft-careers.net) proves nothing."""

    name = models.CharField(max_length=Signature.ORGANIZATION_MAX, unique=True)
    aliases = models.TextField(blank=True, help_text=_("Other names signers use for it, one a line."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def name_keys(self) -> set[str]:
        """The folded forms of its name and aliases, as `names.organization_key` makes them."""
        from ..names import organization_key

        return {key for key in map(organization_key, [self.name, *self.aliases.splitlines()]) if key}


class OrganizationDomain(models.Model):
    """An email domain a moderator confirmed for an organization, with what they checked. It
    covers its subdomains (example.ac.uk covers cs.example.ac.uk). One owner per domain."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    evidence = models.TextField(help_text=_("What the moderator checked: a page, a call, a DNS record."))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by_email = models.CharField(max_length=254, blank=True, help_text=_("Kept if the account is deleted."))
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return f"{self.domain} ({self.organization.name})"


# --- The transparency log (signatures/services/log.py writes it) -------------------------------
