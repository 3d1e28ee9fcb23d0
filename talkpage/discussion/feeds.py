"""Atom feeds of recent comments: site-wide and per article.

Only what every reader may see (``Comment.objects.visible()``) is ever in a
feed; held, hidden and spam comments stay out.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment

FEED_LENGTH = 50


class RecentComments(Feed):
    feed_type = Atom1Feed

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
