"""Schemathesis fuzzes every operation in our own OpenAPI spec.

Each generated request must get an answer the spec allows: never a server
error, and a status, content type and body that match what is declared.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from talkpage.config.wsgi import application
from talkpage.testing import make_article

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


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
