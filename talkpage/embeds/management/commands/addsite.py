from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from talkpage.embeds.models import Site, SiteOrigin
from talkpage.embeds.pages import origin_of


class Command(BaseCommand):
    help = (
        "Register a website that embeds Talkpage discussions, with the exact "
        "origins it serves pages from. Prints its site key and SSO secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--origin",
            action="append",
            required=True,
            help="https://blog.example (repeat for more)",
        )

    @transaction.atomic
    def handle(self, *args, name: str, origin: list[str], **options):
        origins = []
        for given in origin:
            cleaned = origin_of(given.strip())
            if (
                not cleaned.startswith(("http://", "https://"))
                or cleaned != given.strip().rstrip("/").lower()
            ):
                raise CommandError(
                    f"{given!r} is not an origin: write scheme and host only, "
                    "like https://blog.example"
                )
            origins.append(cleaned)
        site = Site.objects.create(name=name)
        SiteOrigin.objects.bulk_create(SiteOrigin(site=site, origin=o) for o in origins)
        self.stdout.write(f"Site: {site.name}")
        self.stdout.write(f"Origins: {', '.join(origins)}")
        self.stdout.write(f"Site key: {site.key}")
        self.stdout.write(f"SSO secret: {site.sso_secret}")
