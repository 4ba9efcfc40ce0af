"""Importing signatories gathered before launch (the organizers' launch list)."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from letter.models import Letter
from signatures.forms import SignatureForm
from signatures.models import ModerationEvent, Signature
from signatures.selectors.cache import public_list_changed
from signatures.services.log import log_published
from signatures.services.signing import signer_fields

from .decisions import _event

Status = Signature.Status


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already signed
    rejected: list = field(default_factory=list)  # (line number, reason)


def signatures_import(*, letter: Letter, rows, actor=None) -> ImportReport:
    """Add signatories gathered before launch as approved, at the "launch list" level: the
    organizers vouch for them, but nobody here confirmed their email, and the public level says so.

    `rows` are dicts with name, email, title, organization, link. Each row is checked like the
    sign form; an email already on the letter is skipped, so re-running adds nothing.
    """
    report = ImportReport()
    added = []
    now = timezone.now()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        form = SignatureForm({k: (row.get(k) or "") for k in ("name", "email", "title", "organization", "link")})
        if not form.is_valid():
            reasons = "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items())
            report.rejected.append((line, reasons))
            continue
        data = form.cleaned_data
        with transaction.atomic():
            try:
                with transaction.atomic():
                    signature = Signature.objects.create(
                        letter=letter,
                        version_id=letter.current_version_id,
                        **signer_fields(name=data["name"], email=data["email"]),
                        title=data["title"],
                        organization=data["organization"],
                        link=data["link"],
                        status=Status.APPROVED,
                        verification=Signature.Verification.LAUNCH_LIST,
                        moderation_note="Imported from the launch list.",
                        verified_at=now,
                        approved_at=now,
                        moderated_by=actor,
                    )
            except IntegrityError:
                report.skipped += 1
                continue
            _event(
                signature, actor, ModerationEvent.Action.IMPORT, {}, {"status": Status.APPROVED}, "launch list"
            ).save()
        report.added += 1
        added.append(signature.pk)
    # One append for the whole import (a few statements however long the list). A crash before
    # it leaves rows public but unlogged, which `manage.py tlog_sync` finds and logs.
    log_published(signature_ids=added)
    public_list_changed(letter.pk)
    return report
