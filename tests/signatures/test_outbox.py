"""The confirmation email: sent once, retried on SMTP errors, never lost when the broker is down.

These run the task in-process but send over real SMTP to a server in the test.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from signatures.models import OutgoingEmail, Signature
from signatures.services import outbox, signing
from signatures.tasks import MAX_RETRIES, send_email
from tests.factories import PendingSignatureFactory
from tests.support.smtp import message_text


@pytest.fixture
def smtp_settings(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    return smtp_server


def queued_email(signature, kind=OutgoingEmail.Kind.CONFIRM):
    return OutgoingEmail.objects.create(signature=signature, kind=kind)


@pytest.mark.django_db
def test_sending_twice_delivers_once(smtp_settings):
    outgoing = queued_email(PendingSignatureFactory(name="Once Only"))
    assert send_email.apply(args=[outgoing.pk]).get() == "sent"
    assert send_email.apply(args=[outgoing.pk]).get() == "skipped"  # a duplicated message
    messages = smtp_settings.wait_for(1)
    assert len(messages) == 1
    assert "Once Only" in message_text(messages[0])
    outgoing.refresh_from_db()
    assert outgoing.status == OutgoingEmail.Status.SENT and outgoing.attempts == 1


@pytest.mark.django_db
def test_smtp_refusing_then_accepting_delivers_once(smtp_settings):
    smtp_settings.refuse = 2
    outgoing = queued_email(PendingSignatureFactory())
    send_email.apply(args=[outgoing.pk])
    assert len(smtp_settings.wait_for(1)) == 1
    outgoing.refresh_from_db()
    assert outgoing.status == OutgoingEmail.Status.SENT
    assert outgoing.attempts == 3


@pytest.mark.django_db
def test_smtp_down_for_every_retry_marks_the_signature_for_moderators(smtp_settings):
    smtp_settings.refuse = 1000
    signature = PendingSignatureFactory()
    outgoing = queued_email(signature)
    send_email.apply(args=[outgoing.pk])
    outgoing.refresh_from_db()
    signature.refresh_from_db()
    assert outgoing.status == OutgoingEmail.Status.FAILED
    assert outgoing.attempts == MAX_RETRIES + 1
    assert "451" in outgoing.last_error
    assert signature.email_failed is True
    assert signature.status == Signature.Status.PENDING  # the signature itself is kept


@pytest.mark.django_db
def test_no_smtp_server_at_all_is_retried_not_raised(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    outgoing = queued_email(PendingSignatureFactory())
    assert send_email.apply(args=[outgoing.pk]).get() == "failed"
    outgoing.refresh_from_db()
    assert outgoing.status == OutgoingEmail.Status.FAILED


@pytest.mark.django_db
def test_confirmation_not_sent_once_the_signer_confirmed(mailoutbox):
    signature = PendingSignatureFactory()
    outgoing = queued_email(signature)
    signing.signature_confirm(public_id=signature.public_id)
    assert send_email.apply(args=[outgoing.pk]).get() == "cancelled"
    assert mailoutbox == []


@pytest.mark.django_db
def test_task_for_a_vanished_email_returns_quietly(mailoutbox):
    assert send_email.apply(args=[987654]).get() == "skipped"
    assert mailoutbox == []


@pytest.mark.django_db
def test_broker_down_still_answers_303_and_keeps_the_signature(
    client, letter, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def broker_unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "delay", broker_unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("signatures:sign", args=[letter.slug]), {"name": "Kept Anyway", "email": "kept@example.org"}
        )
    assert response.status_code == 303
    signature = Signature.objects.get()
    assert signature.name == "Kept Anyway"
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.status == OutgoingEmail.Status.QUEUED
    assert mailoutbox == []

    # The broker is back: the sweep finds the email nobody sent, and it goes out once.
    monkeypatch.undo()
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert outbox.outbox_sweep() == 1
    assert outbox.outbox_sweep() == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["kept@example.org"]


@pytest.mark.django_db
def test_sweep_leaves_fresh_and_retrying_emails_alone(mailoutbox):
    fresh = queued_email(PendingSignatureFactory())
    retrying = queued_email(PendingSignatureFactory())
    OutgoingEmail.objects.filter(pk=retrying.pk).update(
        created_at=timezone.now() - timedelta(minutes=10), attempts=2, last_attempt_at=timezone.now()
    )
    assert outbox.outbox_sweep() == 0
    assert mailoutbox == []
    fresh.refresh_from_db()
    assert fresh.status == OutgoingEmail.Status.QUEUED


@pytest.mark.django_db
def test_erase_unconfirmed_after_expiry(settings):
    settings.CONFIRM_TOKEN_MAX_AGE = 7 * 86400
    settings.ERASE_UNCONFIRMED_AFTER_DAYS = 7
    old = PendingSignatureFactory()
    recent = PendingSignatureFactory()
    confirmed = PendingSignatureFactory()
    Signature.objects.filter(pk__in=[old.pk, confirmed.pk]).update(created_at=timezone.now() - timedelta(days=15))
    signing.signature_confirm(public_id=confirmed.public_id)

    assert signing.signatures_erase_unconfirmed(dry_run=True) == 1
    assert Signature.objects.filter(pk=old.pk).exists()
    assert signing.signatures_erase_unconfirmed() == 1
    assert not Signature.objects.filter(pk=old.pk).exists()
    assert Signature.objects.filter(pk__in=[recent.pk, confirmed.pk]).count() == 2
