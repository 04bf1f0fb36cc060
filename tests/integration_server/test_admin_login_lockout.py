"""Admin login brute force: django-axes locks a client out after AXES_FAILURE_LIMIT bad passwords; behind a
proxy the client is the address the proxy saw (TRUSTED_PROXY_COUNT), so one attacker does not lock out all."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def _login(client, password, **headers):
    return client.post(
        LOGIN,
        {"username": "ops", "password": password, "next": "/admin/"},
        REMOTE_ADDR="127.0.0.1",
        **headers,
    )


@pytest.fixture
def ops_user():
    return User.objects.create_user("ops", password="the-right-password-123", is_staff=True)


def test_bad_passwords_lock_the_client_out_even_with_the_right_one(client, ops_user):
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    for _ in range(limit - 1):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429
    assert _login(client, "the-right-password-123").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_login_before_the_limit_works(client, ops_user):
    _login(client, "wrong")
    response = _login(client, "the-right-password-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ops_user.pk)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_client_is_locked_not_the_proxy(client, ops_user):
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong", **attacker)
    assert _login(client, "the-right-password-123", **attacker).status_code == 429
    # a spoofed left-most address does not help the attacker: the proxy appends what it saw
    spoofed = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"}
    assert _login(client, "the-right-password-123", **spoofed).status_code == 429
    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert _login(client, "the-right-password-123", **colleague).status_code == 302
