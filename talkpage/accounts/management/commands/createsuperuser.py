"""Django's ``createsuperuser``, with the address it is given taken as
verified: the operator typed it, so no confirmation link is needed, and the
new superuser hears of held comments at once."""

from django.contrib.auth.management.commands import createsuperuser
from django.utils import timezone

from talkpage.accounts.models import User


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        before = set(
            User.objects.filter(is_superuser=True).values_list("pk", flat=True)
        )
        super().handle(*args, **options)
        User.objects.filter(is_superuser=True).exclude(pk__in=before).exclude(
            email=""
        ).update(email_verified_at=timezone.now())
