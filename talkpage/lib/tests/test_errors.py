"""A database that cannot be reached is answered 503 with Retry-After, in
the shape the client reads (JSON for the API); a bug is still a 500."""

import pytest
from django.db import OperationalError
from django.test import Client

from talkpage.articles.models import ArticleQuerySet

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_database(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("connection failed: sorry, too many clients already")

    monkeypatch.setattr(ArticleQuerySet, "discussion_stamp", fail)


@pytest.fixture
def broken_code(monkeypatch):
    def fail(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(ArticleQuerySet, "discussion_stamp", fail)


def test_an_api_read_without_a_database_is_503_with_retry_after(
    article, unreachable_database
):
    response = Client(raise_request_exception=False).get(
        f"/api/v1/articles/{article.slug}/comments"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert "cannot be reached" in response.json()["error"]


def test_a_page_without_a_database_is_503_asking_to_try_again(
    article, unreachable_database
):
    response = Client(raise_request_exception=False).get(article.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"try again in a few seconds" in response.content


def test_a_bug_is_still_a_500_and_in_json_for_the_api(article, broken_code):
    client = Client(raise_request_exception=False)

    api = client.get(f"/api/v1/articles/{article.slug}/comments")
    page = client.get(article.get_absolute_url())

    assert api.status_code == 500 and "error" in api.json()
    assert "Retry-After" not in api
    assert page.status_code == 500 and b"Something went wrong" in page.content
