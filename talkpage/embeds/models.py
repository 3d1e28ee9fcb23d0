import secrets

from django.db import models
from django.utils import timezone


def new_site_key() -> str:
    """A public key for a site; never one starting with "-", which a
    command line (``talkpage import ... --site KEY``) reads as an option."""
    while (key := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return key


def new_sso_secret() -> str:
    return secrets.token_urlsafe(32)


class Site(models.Model):
    """Another website that embeds Talkpage discussions under its pages.

    ``key`` is public (it is in the host page's HTML); ``sso_secret`` signs
    the host's own users in and must stay on the host's server.
    """

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=40, unique=True, default=new_site_key)
    sso_secret = models.CharField(max_length=100, default=new_sso_secret)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name

    def allows(self, origin: str) -> bool:
        return self.origins.filter(origin=origin).exists()


class SiteOrigin(models.Model):
    """One exact origin ("https://blog.example") a site embeds from."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="origins")
    origin = models.CharField(max_length=300, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "origin"], name="site_origin_once")
        ]

    def __str__(self):
        return self.origin
