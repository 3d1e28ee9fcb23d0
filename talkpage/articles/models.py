from django.db import models
from django.urls import reverse
from django.utils import timezone

from talkpage.moderation.models import Policy

DISCLAIMERS = {
    "medical": (
        "This article is for general information only and is not medical "
        "advice. Talk to a doctor or pharmacist before changing your diet, "
        "starting a supplement or stopping a treatment."
    ),
    "general": (
        "This article is for general information only. It is not professional "
        "advice for your particular situation."
    ),
}


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__lte=timezone.now())

    def explainers(self):
        """Our own articles, for the home page: not embedded pages' threads."""
        return self.published().filter(site__isnull=True)


class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    body_markdown = models.TextField()
    body_html = models.TextField()
    # Each entry is the plain text of one citation; the page numbers them.
    references = models.JSONField(default=list, blank=True)
    # "medical", "general", a custom text, or "" for none.
    disclaimer = models.TextField(blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Visible comments, kept by the discussion services with F() updates so
    # the home page never counts rows.
    comment_count = models.PositiveIntegerField(default=0)
    # The discussion of a page on another site (see embeds/): which site,
    # and the page's normalised URL. Our own explainers have neither.
    site = models.ForeignKey(
        "embeds.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
    )
    page_url = models.CharField(max_length=2000, blank=True)
    # Overrides the site-wide moderation policy; "" follows it.
    moderation_policy = models.CharField(
        max_length=20,
        blank=True,
        choices=Policy.choices,
        help_text="Leave empty to follow the site-wide policy.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "page_url"],
                condition=models.Q(site__isnull=False),
                name="one_thread_per_page",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def disclaimer_text(self) -> str:
        return DISCLAIMERS.get(self.disclaimer.strip().lower(), self.disclaimer)
