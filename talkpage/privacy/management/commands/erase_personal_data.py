import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from talkpage.privacy.services import erase_personal_data


class Command(BaseCommand):
    help = (
        "Erase everything stored for an email address (a legal request): the "
        "account that uses it, its comments deleted rather than anonymised, "
        "and everything else kept under the address. Shows what would go and "
        "asks first, unless --yes."
    )
    # call_command(..., stdin=...) in tests answers the question.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="erase without asking")

    def handle(self, *args, email: str, yes: bool, **options):
        address = email.strip()
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        preview = erase_personal_data(email=address, dry_run=True)
        if not preview.found_anything:
            self.stdout.write(f"Nothing is stored for {address}: nothing to erase.")
            return
        if not yes:
            self.stdout.write(f"This would erase, for {address}:")
            self._write(preview)
            if not self._confirmed(options.get("stdin") or sys.stdin):
                self.stdout.write("Nothing was erased.")
                return
        report = erase_personal_data(email=address)
        self.stdout.write(f"Erased, for {address}:")
        self._write(report)

    def _write(self, report) -> None:
        for line in report.summary():
            self.stdout.write(f"  {line}")

    def _confirmed(self, stdin) -> bool:
        self.stdout.write("Erase all of this for good? Type yes to go on: ", ending="")
        self.stdout.flush()
        answer = stdin.readline()
        if not answer:  # no terminal (a script): never a yes
            self.stdout.write("")
        return answer.strip().lower() == "yes"
