"""Schemathesis fuzzes every operation in our own OpenAPI spec.

Each generated request must get an answer the spec allows: never a server
error, and a status, content type and body that match what is declared.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from talkpage.config.wsgi import application
from talkpage.testing import make_article

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes "old" database connections at the end of each request;
    inside a test that would close the test's own transaction (PostgreSQL).
    Django's test client unhooks this the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def published_article(db):
    # Generated slugs rarely hit a real article; give them one to find.
    return make_article(slug="magnesium")


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_its_spec_says(case, published_article):
    # call_and_validate checks status, content type and body against the
    # spec, and fails on any server error.
    response = case.call_and_validate()
    assert response.status_code < 500
