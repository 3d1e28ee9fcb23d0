from django.core.management.base import BaseCommand

from talkpage.notifications.services import send_moderator_digest


class Command(BaseCommand):
    help = (
        "Mail moderators the comments held since the last digest (the worker "
        "does this every TALKPAGE_MODERATOR_DIGEST_MINUTES on its own)."
    )

    def handle(self, **options):
        count = send_moderator_digest()
        self.stdout.write(f"Listed {count} held comment(s) in the digest.")
