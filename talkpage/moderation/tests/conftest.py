"""People only moderation tests need."""

import pytest
from django.contrib.auth.models import Group

from talkpage.accounts.models import MODERATORS_GROUP, User
from talkpage.testing import PASSWORD


@pytest.fixture
def charlie(db) -> User:
    """A moderator by membership of the Moderators group, not a superuser."""
    user = User.objects.create_user("charlie", "charlie@example.org", PASSWORD)
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    user.groups.add(group)
    return user
