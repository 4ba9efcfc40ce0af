"""The Django admin shows signatures but cannot change them: edits there skipped the audit log
and left a stale name key (issue 9, item 8)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import ApprovedSignatureFactory


@pytest.mark.django_db
def test_admin_cannot_edit_a_signature(letter):
    signature = ApprovedSignatureFactory(letter=letter, name="Real Name", title="Professor")
    admin = User.objects.create_superuser("root", "root@example.org", "a-long-admin-password")
    client = Client()
    client.force_login(admin)
    url = f"/admin/signatures/signature/{signature.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Real Name" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, {"name": "Forged Name", "title": "Forged", "organization": "", "link": ""})
    assert response.status_code == 403
    signature.refresh_from_db()
    assert (signature.name, signature.title) == ("Real Name", "Professor")
