import pytest
from django.urls import reverse

from talkpage.accounts.models import User

URL = reverse("accounts:register")


@pytest.mark.django_db
def test_an_oversized_body_gets_a_clear_413(client, settings):
    settings.TALKPAGE_MAX_REQUEST_BYTES = 1024

    response = client.post(URL, {"username": "carol", "padding": "x" * 2000})

    assert response.status_code == 413
    assert response["Connection"] == "close"
    html = response.content.decode()
    assert "That was too much to send" in html
    assert "at most 1 KiB" in html
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_body_at_the_limit_goes_through(client, settings):
    settings.TALKPAGE_MAX_REQUEST_BYTES = 4096

    response = client.post(URL, {"username": "carol", "padding": "x" * 1000})

    assert response.status_code == 400  # the form's answer, not the door's


@pytest.mark.django_db
def test_the_declared_length_is_enough_to_refuse(client, settings):
    settings.TALKPAGE_MAX_REQUEST_BYTES = 1024

    response = client.generic(
        "POST",
        URL,
        b"username=carol",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="999999999",
    )

    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["", "abc", "-5"])
def test_an_unreadable_content_length_is_not_a_crash(client, length):
    response = client.generic(
        "POST", URL, b"", content_type="text/plain", CONTENT_LENGTH=length
    )

    assert response.status_code < 500


@pytest.mark.django_db
def test_anonymous_pages_may_be_cached(client):
    response = client.get(reverse("articles:home"))

    assert "private" not in response.get("Cache-Control", "")


def test_signed_in_pages_are_never_stored(client, alice):
    client.force_login(alice)

    response = client.get(reverse("articles:home"))

    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert "max-age=0" in cache_control


def test_a_cross_site_post_gets_the_csrf_page(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "alice"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_413_page_carries_the_security_headers(client, settings):
    settings.TALKPAGE_MAX_REQUEST_BYTES = 1024

    response = client.post(URL, {"padding": "x" * 2000})

    assert response.status_code == 413
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
