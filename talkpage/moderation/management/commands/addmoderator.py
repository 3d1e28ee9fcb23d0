from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from talkpage.accounts.models import MODERATORS_GROUP, User


class Command(BaseCommand):
    help = (
        'Make an account a moderator (a member of the "Moderators" group), '
        "or take that away with --remove."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--remove", action="store_true", help="stop being a moderator"
        )

    def handle(self, *args, username: str, remove: bool, **options):
        try:
            user = User.objects.get(username__iexact=username)
        except User.DoesNotExist:
            raise CommandError(f"No account is called {username!r}.") from None
        group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{user.username} is no longer a moderator.")
            if user.is_superuser:
                self.stdout.write("(As a superuser they can still moderate.)")
        else:
            user.groups.add(group)
            self.stdout.write(f"{user.username} is now a moderator.")
