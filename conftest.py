"""People and content shared by every test.

alice is a reader with an account, bob a moderator, mallory an attacker.
"""

import pytest
from django.core.cache import cache

from talkpage.accounts.models import User
from talkpage.articles.models import Article
from talkpage.discussion.cache import forget_recent_renderings
from talkpage.testing import PASSWORD, MailServer, make_article


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    forget_recent_renderings()
    yield
    cache.clear()
    forget_recent_renderings()


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", PASSWORD)


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_superuser("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def mallory(db) -> User:
    return User.objects.create_user("mallory", "mallory@example.net", PASSWORD)


@pytest.fixture
def article(db) -> Article:
    return make_article()


@pytest.fixture
def other_article(db) -> Article:
    return make_article(slug="knuckles", title="Why do knuckles crack?")


@pytest.fixture
def mail_server(settings):
    """A real SMTP server (aiosmtpd) that Django's mail goes to."""
    server = MailServer().start()
    server.use_in(settings)
    yield server
    server.stop()
