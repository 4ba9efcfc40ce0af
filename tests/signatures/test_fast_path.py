"""The busiest write, measured in statements (issue 11, item 3): a first signature is one SQL
statement on PostgreSQL, and with the outbox relay on the request never talks to the broker."""

import pytest
from django.db import connection

from signatures.models import OutgoingEmail, Signature
from signatures.services import outbox, signing
from signatures.services.insert import VARIANT_REASON


def sign(letter, email="first@example.org", **extra):
    return signing.signature_create(letter=letter, name="First Signer", email=email, network_hash="net", **extra)


@pytest.mark.django_db
def test_a_first_signature_is_one_statement_on_postgres(postgres, letter, django_assert_num_queries):
    with django_assert_num_queries(1):
        signature, created = sign(letter)
    assert created
    stored = Signature.objects.get(pk=signature.pk)
    assert stored.status == Signature.Status.PENDING and stored.email_normalized == "first@example.org"
    assert stored.created_at is not None and stored.public_id == signature.public_id
    assert list(OutgoingEmail.objects.values_list("signature_id", "kind", "status")) == [
        (signature.pk, "confirm", "queued")
    ]


@pytest.mark.django_db
def test_the_one_statement_marks_plus_variants_and_leaves_repeat_signers_to_the_careful_path(postgres, letter):
    sign(letter, email="jane@corp.example")
    variant, _ = sign(letter, email="jane+x@corp.example")
    assert Signature.objects.get(pk=variant.pk).suspicious_reasons == [VARIANT_REASON]
    again, created = sign(letter, email="JANE@corp.example")
    assert not created and Signature.objects.filter(email_normalized="jane@corp.example").count() == 1


@pytest.mark.django_db
def test_with_the_relay_on_signing_publishes_nothing_and_the_relay_hands_each_email_once(
    letter, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.OUTBOX_RELAY = True
    published = []
    monkeypatch.setattr(outbox, "_publish", published.append)
    monkeypatch.setattr(outbox, "publish_many", published.extend)
    with django_capture_on_commit_callbacks(execute=True):
        sign(letter, email="a@example.org")
        sign(letter, email="b@example.org")
    assert published == []
    assert outbox.outbox_relay() == 2
    assert sorted(published) == sorted(OutgoingEmail.objects.values_list("pk", flat=True))
    assert outbox.outbox_relay() == 0  # handed once
    assert not OutgoingEmail.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db
def test_sqlite_or_postgres_the_same_signature_results(letter):
    signature, created = sign(letter, email="Same@Example.org", title="CISO")
    stored = Signature.objects.get(pk=signature.pk)
    assert created and connection.vendor in ("sqlite", "postgresql")
    assert (stored.title, stored.email, stored.email_base) == ("CISO", "Same@Example.org", "same@example.org")


def test_public_reads_go_to_the_replica_when_one_is_set(settings):
    from signatures.selectors.public import _public

    assert _public().db == "default"
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    assert _public().db == "replica"


def test_the_replica_setting_makes_a_mirrored_alias(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "1", "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path}/replica.db"}
    code = "from django.conf import settings; r = settings.DATABASES['replica']; print(r['NAME'], r['TEST'])"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "replica.db" in out and "'MIRROR': 'default'" in out
