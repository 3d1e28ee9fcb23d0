from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from talkpage.privacy.services import forget_old_network_hashes


class Command(BaseCommand):
    help = (
        "Clear the network hashes of comments and visitors' reports older "
        "than TALKPAGE_NETWORK_HASH_DAYS, and delete network bans that ended "
        "that long ago. Meant to run every day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep this many days instead of TALKPAGE_NETWORK_HASH_DAYS",
        )

    def handle(self, *args, days: int | None, **options):
        days = settings.TALKPAGE_NETWORK_HASH_DAYS if days is None else days
        if days < 1:
            raise CommandError("Network hashes are kept for at least 1 day.")
        forgotten = forget_old_network_hashes(older_than_days=days)
        self.stdout.write(
            f"Forgot the networks of {forgotten.comments} comment(s) and "
            f"{forgotten.reports} report(s), and deleted {forgotten.bans} ended "
            f"network ban(s), older than {days} day(s)."
        )
