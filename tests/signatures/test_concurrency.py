"""One signature per email per letter, also when the requests arrive at the same moment."""

import threading

import pytest
from django.db import connection

from signatures.models import OutgoingEmail, Signature
from tests.factories import LetterFactory
from tests.support.browser import Browser
from tests.support.services import require_service


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_signs_with_one_email_leave_one_row(live_server, settings):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not a PostgreSQL URL")
    settings.RATELIMIT_ENABLE = False
    letter = LetterFactory()
    start = threading.Barrier(20)
    statuses = []

    def post(i):
        browser = Browser()
        browser.request(live_server.url + letter.get_absolute_url())
        form = {"name": f"Racer {i}", "email": "Same.Person@Example.org"}
        start.wait()  # all twenty post at once
        status, _, _ = browser.request(live_server.url + f"/letters/{letter.slug}/sign/", form)
        statuses.append(status)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == [303] * 20
    assert Signature.objects.filter(letter=letter).count() == 1
    # Every request after the first found a confirmation just sent: one email in all.
    assert OutgoingEmail.objects.filter(signature__letter=letter).count() == 1
