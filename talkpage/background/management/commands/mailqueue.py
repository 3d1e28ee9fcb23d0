from django.core.management.base import BaseCommand

from talkpage.background.mail import (
    given_up_mail,
    other_failures_today,
    queue_given_up_mail_again,
    waiting_mail,
)


class Command(BaseCommand):
    help = "Show mail waiting to be sent and mail given up on; --retry sends it again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry",
            action="store_true",
            help="queue every given-up message again",
        )

    def handle(self, *, retry: bool, **options):
        if retry:
            count = queue_given_up_mail_again()
            self.stdout.write(f"Queued {count} given-up message(s) again.")
            return
        waiting, given_up = waiting_mail(), given_up_mail()
        self.stdout.write(f"Waiting to be sent: {len(waiting)}")
        for mail in waiting:
            self.stdout.write(
                f"  {mail.when:%Y-%m-%d %H:%M:%S} attempt {mail.attempt}"
                f"  {mail.subject!r} to {mail.recipients}"
                + (f"  last error: {mail.last_error}" if mail.last_error else "")
            )
        self.stdout.write(f"Given up on: {len(given_up)}")
        for mail in given_up:
            self.stdout.write(
                f"  {mail.when:%Y-%m-%d %H:%M:%S} {mail.subject!r} to "
                f"{mail.recipients}: {mail.last_error}"
            )
        if given_up:
            self.stdout.write(
                "Run `talkpage manage mailqueue --retry` to send them again."
            )
        others = other_failures_today()
        if others:
            self.stdout.write(
                f"Other tasks that failed in the last day: {others} (each is "
                "tried again a few times; the admin's Task Results has why)."
            )
