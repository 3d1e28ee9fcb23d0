import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_a_healthy_server_says_ok_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": []}
    assert "no-cache" in response["Cache-Control"]


def test_a_database_that_does_not_answer_is_named(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "failed": ["database"]}


def test_load_balancers_may_probe_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_only_reads_are_answered(client):
    assert client.post("/healthz").status_code == 405
