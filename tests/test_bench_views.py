"""The benchmark's floor views (freefable/bench_views.py) exist only when BENCH_VIEWS is set."""

import pytest


@pytest.mark.django_db
def test_the_minimal_sign_view_is_not_routed_by_default(client, letter, settings):
    assert settings.BENCH_VIEWS is False
    response = client.post(f"/_bench/letters/{letter.slug}/sign/", {"name": "X", "email": "x@example.org"})
    assert response.status_code == 404
