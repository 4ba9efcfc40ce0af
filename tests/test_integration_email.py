"""The whole signing path on real parts: a Celery worker process on Redis, SMTP to a server in
the test, HTTP to the live site. Nothing is mocked."""

import re
import time

import pytest

from signatures.models import Signature
from tests.factories import LetterFactory
from tests.support.browser import Browser
from tests.support.smtp import message_text


@pytest.mark.services
def test_sign_email_confirm_with_a_real_worker_and_smtp(celery_worker_factory, smtp_server, live_server):
    letter = LetterFactory(title="Integration letter")
    celery_worker_factory()
    browser = Browser()

    status, _, page = browser.request(live_server.url + letter.get_absolute_url())
    assert status == 200
    status, headers, _ = browser.request(
        live_server.url + f"/letters/{letter.slug}/sign/",
        {
            "name": "Erin Integration",
            "email": "erin@example.net",
            "title": "Engineer",
            "organization": "Example Net",
            "link": "",
        },
    )
    assert status == 303
    assert headers["Location"].endswith(f"/letters/{letter.slug}/check-your-email/")

    (message,) = smtp_server.wait_for(1, timeout=60)
    assert message["To"] == "erin@example.net"
    assert "Integration letter" in message["Subject"]
    text = message_text(message)
    confirm = re.search(r"(http://\S+/confirm/\S+/)", text).group(1)
    assert confirm.startswith(live_server.url)
    assert re.search(r"http://\S+/your-signature/\S+/", text)

    status, _, page = browser.request(confirm)
    assert status == 200 and "Confirm my signature" in page
    assert Signature.objects.get().status == Signature.Status.PENDING  # the GET changed nothing

    status, headers, _ = browser.request(confirm, {"csrfmiddlewaretoken": browser.csrf(page)})
    assert status == 303
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.VERIFIED
    assert signature.verified_at is not None

    # Exactly one email: no duplicate arrives later.
    time.sleep(2)
    assert len(smtp_server.messages) == 1
