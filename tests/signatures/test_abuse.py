"""Bots, floods and look-alikes: trapped silently, limited loudly, or marked for moderators."""

import logging
import time

import pytest
from django.core import signing
from django.urls import reverse

from signatures.abuse import FORM_SALT, network_hash
from signatures.models import Signature
from signatures.tokens import make_confirm_token, make_withdraw_token
from tests.factories import ApprovedSignatureFactory, PendingSignatureFactory

FORM = {"name": "Real Person", "email": "real@example.org", "title": "Engineer", "organization": "Org"}


def served(seconds_ago: float) -> str:
    """A form timestamp as the page would have issued it `seconds_ago`."""
    return signing.TimestampSigner(salt=FORM_SALT).sign(str(time.time() - seconds_ago))


def sign(client, letter, **extra):
    return client.post(reverse("signatures:sign", args=[letter.slug]), {**FORM, **extra}, **extra.pop("meta", {}))


@pytest.mark.django_db
def test_the_page_serves_a_timestamp_and_a_hidden_honeypot(client, letter):
    html = client.get(letter.get_absolute_url()).content.decode()
    assert 'name="ts" value="' in html
    assert 'name="website"' in html and 'class="hp" aria-hidden="true"' in html


@pytest.mark.django_db
def test_a_person_who_took_their_time_is_kept_unmarked(client, letter, settings):
    settings.FORM_MIN_SECONDS = 2
    assert sign(client, letter, ts=served(30)).status_code == 303
    assert Signature.objects.get().suspicious_reasons == []


@pytest.mark.parametrize(
    "extra, reason",
    [
        ({"website": "http://spam.example", "ts": "GOOD"}, "honeypot filled"),
        ({"ts": "FAST"}, "after the form was served"),
        ({"ts": "OLD"}, "form older than allowed"),
        ({"ts": "1700000000.0:forged:signature"}, "forged form timestamp"),
    ],
)
@pytest.mark.django_db
def test_traps_answer_like_success_keep_nothing_and_log(client, letter, caplog, settings, extra, reason):
    settings.FORM_MIN_SECONDS = 2
    stamps = {"GOOD": served(30), "FAST": served(0.2), "OLD": served(2 * 86400)}
    extra = {k: stamps.get(v, v) for k, v in extra.items()}
    with caplog.at_level(logging.WARNING, logger="signatures.abuse"):
        response = sign(client, letter, **extra)
    assert response.status_code == 303
    assert response["Location"] == reverse("signatures:check_email", args=[letter.slug])
    assert Signature.objects.count() == 0
    assert any(reason in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_script_without_the_form_is_kept_but_marked(client, letter):
    assert sign(client, letter).status_code == 303
    assert Signature.objects.get().suspicious_reasons == ["Posted without loading the sign form"]


@pytest.mark.django_db
def test_plus_addressed_variant_is_marked_not_refused(client, letter):
    ApprovedSignatureFactory(letter=letter, email="jane@corp.example")
    sign(client, letter, email="Jane+again@corp.example", ts=served(10))
    sign(client, letter, email="john+x@corp.example", name="John Other", ts=served(10))
    marked = Signature.objects.get(email_normalized="jane+again@corp.example")
    assert marked.suspicious_reasons == ["Plus-addressed variant of another signer's email"]
    assert Signature.objects.get(email_normalized="john+x@corp.example").suspicious_reasons == []


@pytest.mark.django_db
def test_a_burst_from_one_network_is_marked(client, letter, settings):
    settings.BURST_THRESHOLD = 3
    for i in range(5):
        sign(client, letter, email=f"p{i}@example.org", ts=served(10), meta={"REMOTE_ADDR": f"203.0.113.{i + 1}"})
    sign(client, letter, email="elsewhere@example.org", ts=served(10), meta={"REMOTE_ADDR": "198.51.100.7"})
    reasons = {s.email_normalized: s.suspicious_reasons for s in Signature.objects.all()}
    assert reasons["p0@example.org"] == reasons["p2@example.org"] == []
    assert reasons["p3@example.org"][0].startswith("Burst: 4 signatures from one network")
    assert reasons["p4@example.org"][0].startswith("Burst: 5 signatures")
    assert reasons["elsewhere@example.org"] == []


@pytest.mark.django_db
def test_no_raw_ip_is_stored(client, letter):
    sign(client, letter, ts=served(10), meta={"REMOTE_ADDR": "203.0.113.77"})
    signature = Signature.objects.get()
    stored = " ".join(str(getattr(signature, f.attname)) for f in Signature._meta.concrete_fields)
    assert "203.0.113" not in stored
    assert signature.network_hash == network_hash("203.0.113.1")  # the /24, not the address
    assert network_hash("203.0.114.1") != signature.network_hash


# --- Rate limits -----------------------------------------------------------------------------


def limited(settings, name, rate):
    """Set one limit for a test. Limits count in fixed windows, so tests use hour-long ones: a
    few requests are then very unlikely to straddle a window's end and escape the count."""
    settings.RATELIMITS = {**settings.RATELIMITS, name: rate}


@pytest.mark.django_db
def test_sign_limit_per_ip(client, letter, settings):
    limited(settings, "sign_ip", "3/h")
    codes = [sign(client, letter, email=f"ip{i}@example.org").status_code for i in range(4)]
    assert codes == [303, 303, 303, 429]
    # Another client is not affected.
    assert sign(client, letter, email="other@example.org", meta={"REMOTE_ADDR": "198.51.100.9"}).status_code == 303


@pytest.mark.django_db
def test_sign_limit_per_email_across_addresses(client, letter, settings):
    limited(settings, "sign_email", "2/h")
    codes = [sign(client, letter, meta={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code for i in range(1, 4)]
    assert codes == [303, 303, 429]


@pytest.mark.django_db
def test_confirm_and_withdraw_limits_per_ip(client, settings):
    limited(settings, "token_ip", "3/h")
    signature = PendingSignatureFactory()
    confirm = reverse("signatures:confirm", args=[make_confirm_token(signature.public_id)])
    withdraw = reverse("signatures:withdraw", args=[make_withdraw_token(signature.public_id)])
    assert [client.get(confirm).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(withdraw)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get("/confirm/unknown.token/").status_code == 429  # guessing is limited too


@pytest.mark.django_db
def test_search_limit_per_ip(client, letter, settings):
    limited(settings, "search_ip", "3/h")
    url = f"/letters/{letter.slug}/signatures/"
    assert [client.get(url, {"q": f"x{i}"}).status_code for i in range(4)] == [200, 200, 200, 429]
    assert client.get(url).status_code == 200  # browsing without a search stays open


@pytest.mark.django_db
def test_download_limit_per_ip(client, letter, settings):
    limited(settings, "download_ip", "3/h")
    base = f"/letters/{letter.slug}/signatures"
    codes = [client.get(base + ext).status_code for ext in (".csv", ".json", ".csv", ".json")]
    assert codes == [200, 200, 200, 429]


@pytest.mark.django_db
def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, letter, settings):
    limited(settings, "sign_ip", "2/h")
    # A client cannot dodge the limit by inventing X-Forwarded-For values.
    codes = [
        sign(client, letter, email=f"f{i}@example.org", meta={"HTTP_X_FORWARDED_FOR": f"10.0.0.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [303, 303, 429]

    settings.TRUSTED_PROXY_COUNT = 1
    codes = [
        sign(client, letter, email=f"g{i}@example.org", meta={"HTTP_X_FORWARDED_FOR": f"192.0.2.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [303, 303, 303]  # each real client behind the proxy has its own limit


@pytest.mark.django_db
def test_limits_off_for_load_tests(client, letter, settings):
    limited(settings, "sign_ip", "1/h")
    settings.RATELIMIT_ENABLE = False
    assert [sign(client, letter, email=f"n{i}@example.org").status_code for i in range(3)] == [303] * 3
