"""Atom feeds of recent comments: site-wide and per article.

Only what every reader may see (``Comment.objects.visible()``) is ever in a
feed; held, hidden and spam comments stay out.

A feed is the same for every reader, and feed readers poll: each is built
once per version of what it shows and then served from the cache
(discussion/cache.py), with ETag and Last-Modified for a 304. An article's
feed follows that article's discussion version; the site-wide feed follows
all of them at once (see ``site_feed_version``).
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import quote_etag

from talkpage.articles.models import Article
from talkpage.discussion import cache
from talkpage.discussion.models import Comment

FEED_LENGTH = 50
FEED_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# An article published with a date in the future enters the site-wide feed
# with no write to mark it: the site feed's key changes this often anyway.
SITE_FEED_SECONDS = 60


def cached_feed(
    request, *, key: str, etag: str, modified: datetime, build, seconds: int
) -> HttpResponse:
    """The feed at ``key`` from the cache (a 304 if the reader's copy is
    current), built with ``build`` on a miss."""
    unchanged = cache.not_modified(request, etag, modified)
    if unchanged is not None:
        return cache.shared_headers(unchanged, etag, modified)
    body = cache.remembered(key, lambda: build().content, seconds)
    response = HttpResponse(body, content_type=FEED_CONTENT_TYPE)
    return cache.shared_headers(response, etag, modified)


def site_feed_version() -> tuple[str, datetime]:
    """What the site-wide feed depends on, in one aggregate over the
    articles: every change to a discussion moves discussion_changed_at,
    every change to an article its updated_at, and a deletion the count."""
    stamp = Article.objects.aggregate(
        articles=Count("id"),
        changed=Max("discussion_changed_at"),
        updated=Max("updated_at"),
    )
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    changed, updated = stamp["changed"] or epoch, stamp["updated"] or epoch
    version = ".".join(
        [
            cache.RENDERING_REVISION,
            str(stamp["articles"]),
            str(int(changed.timestamp() * 1_000_000)),
            str(int(updated.timestamp() * 1_000_000)),
            str(int(time.time() // SITE_FEED_SECONDS)),
        ]
    )
    return version, max(changed, updated)


class RecentComments(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        version, modified = site_feed_version()
        # Links in a feed are absolute, made from the Host the reader asked.
        key = f"talkpage:feed:{version}:{cache.hashed(request.get_host())}"
        return cached_feed(
            request,
            key=key,
            etag=quote_etag(cache.hashed(key)),
            modified=modified,
            build=lambda: super(RecentComments, self).__call__(
                request, *args, **kwargs
            ),
            seconds=min(SITE_FEED_SECONDS, settings.TALKPAGE_DISCUSSION_CACHE_SECONDS),
        )

    def title(self):
        return f"Recent comments on {settings.TALKPAGE_SITE_NAME}"

    def link(self):
        return reverse("articles:home")

    def subtitle(self):
        return "The newest comments on every article."

    def comments(self):
        return (
            Comment.objects.visible()
            .filter(article__in=Article.objects.published())
            .select_related("user", "article")
        )

    def items(self):
        return self.comments().order_by("-created_at", "-id")[:FEED_LENGTH]

    def item_title(self, comment):
        return f"{comment.public_name} on {comment.article.title}"

    def item_description(self, comment):
        return comment.body_html

    def item_link(self, comment):
        return f"{comment.get_absolute_url()}#{comment.anchor}"

    def item_author_name(self, comment):
        return comment.public_name

    def item_pubdate(self, comment):
        return comment.created_at

    def item_updateddate(self, comment):
        return comment.edited_at or comment.created_at


class ArticleComments(RecentComments):
    def __call__(self, request, slug):
        stamp = cache.stamp_for(request, slug)
        if stamp is None:
            raise Http404("No such article.")
        host = request.get_host()
        return cached_feed(
            request,
            key=cache.cache_key(stamp, "feed", host),
            etag=cache.etag_for(stamp, "feed", host),
            modified=cache.last_modified(stamp),
            build=lambda: Feed.__call__(self, request, slug=slug),
            seconds=settings.TALKPAGE_DISCUSSION_CACHE_SECONDS,
        )

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, article):
        return f"Comments on “{article.title}”"

    def link(self, article):
        return article.get_absolute_url()

    def subtitle(self, article):
        return f"The newest comments on {article.title}."

    def items(self, article):
        return (
            self.comments()
            .filter(article=article)
            .order_by("-created_at", "-id")[:FEED_LENGTH]
        )
