"""Nothing real gets lost: Redis, SMTP or the worker fail mid-journey, and every signature still
gets exactly one confirmation email. Real processes throughout; nothing is mocked."""

import json
import os
import time
import urllib.request
import uuid

import pytest
from django.db import connection

from signatures.models import OutgoingEmail, Signature
from tests.factories import LetterFactory
from tests.support.browser import Browser
from tests.support.database import database_url
from tests.support.services import require_service
from tests.support.site import SiteProcess, manage_command
from tests.support.smtp import message_text
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.services


def sign_through_the_form(base_url, letter, email="steady@example.org"):
    browser = Browser()
    status, _, page = browser.request(base_url + letter.get_absolute_url())
    assert status == 200
    status, headers, _ = browser.request(
        base_url + f"/letters/{letter.slug}/sign/",
        {"name": "Steady Signer", "email": email},
    )
    return status


def exactly_one(smtp_server, settle=3):
    (message,) = smtp_server.wait_for(1, timeout=60)
    time.sleep(settle)  # a duplicate would arrive now
    assert len(smtp_server.messages) == 1
    return message


def test_redis_down_while_signing_keeps_the_signature_and_sends_once_it_is_back(
    transactional_db, own_redis, smtp_server, tmp_path
):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the site runs in another process")
    letter = LetterFactory(title="Outage letter")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": own_redis.url,
        "CELERY_BROKER_URL": own_redis.url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": smtp_server.url,
        "EMAIL_RETRY_BASE_SECONDS": "0.5",
    }
    site = SiteProcess(env, tmp_path / "site.log")
    site.start()
    try:
        own_redis.stop()
        started = time.monotonic()
        assert sign_through_the_form(site.url, letter) == 303
        assert time.monotonic() - started < 10, "signing waited too long on the dead broker"
        signature = Signature.objects.get(letter=letter)
        assert signature.status == Signature.Status.PENDING
        assert OutgoingEmail.objects.get(signature=signature).status == OutgoingEmail.Status.QUEUED

        try:
            urllib.request.urlopen(site.url + "/healthz", timeout=10)
            raise AssertionError("healthz said 200 with Redis down")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert json.loads(error.read())["checks"]["redis"] == "down"

        own_redis.start()
        worker = WorkerProcess(queue=queue, env={**env, "SITE_URL": site.url}, log=tmp_path / "worker.log")
        worker.start()
        try:
            result = manage_command({**env, "SITE_URL": site.url}, "sweep_outbox", "--stale-after", "0")
            assert "Queued 1 email(s) again." in result.stdout, result.stderr
            message = exactly_one(smtp_server)
            assert message["To"] == "steady@example.org"
            assert site.url + "/confirm/" in message_text(message)
        finally:
            worker.stop()
    finally:
        site.stop()


def test_smtp_refusing_then_accepting_delivers_exactly_once(celery_worker_factory, smtp_server, live_server):
    letter = LetterFactory()
    smtp_server.refuse = 3
    celery_worker_factory()
    assert sign_through_the_form(live_server.url, letter) == 303
    exactly_one(smtp_server)
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.status == OutgoingEmail.Status.SENT
    assert outgoing.attempts == 4


def test_worker_killed_mid_send_delivers_exactly_once_after_a_new_worker_starts(
    celery_worker_factory, smtp_server, live_server
):
    letter = LetterFactory()
    smtp_server.stall = True
    worker = celery_worker_factory()
    assert sign_through_the_form(live_server.url, letter) == 303
    assert smtp_server.stalled.wait(30), "the worker never started sending"
    worker.kill()  # SIGKILL in the middle of the SMTP conversation
    smtp_server.stall = False
    time.sleep(1)
    assert smtp_server.messages == []
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED

    celery_worker_factory("second-worker")
    exactly_one(smtp_server)
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
