"""`talkpage manage addmoderator NAME` makes (and unmakes) a moderator."""

import pytest
from django.core.management import CommandError, call_command

from talkpage.accounts.models import User

pytestmark = pytest.mark.django_db


def test_addmoderator_makes_a_reader_a_moderator(alice, capsys):
    call_command("addmoderator", "ALICE")
    assert "alice is now a moderator" in capsys.readouterr().out
    assert User.objects.get(pk=alice.pk).is_moderator


def test_addmoderator_remove_takes_it_away(alice):
    call_command("addmoderator", "alice")
    call_command("addmoderator", "alice", "--remove")
    assert not User.objects.get(pk=alice.pk).is_moderator


def test_addmoderator_names_a_missing_account(db):
    with pytest.raises(CommandError, match="No account is called 'nobody'"):
        call_command("addmoderator", "nobody")
