"""What tests share besides fixtures: the people's password and content
factories. (Test modules import from here, never from a ``conftest``: with
several conftest files, ``import conftest`` finds whichever came first.)"""

import time

from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.lib.markdown import render_article

PASSWORD = "correct horse battery staple"  # noqa: S105


def make_article(slug: str = "magnesium", title: str = "Magnesium?") -> Article:
    body = "Magnesium does **many** things."
    return Article.objects.create(
        slug=slug,
        title=title,
        summary="A short summary.",
        body_markdown=body,
        body_html=render_article(body),
        references=["Someone. A paper. 2011."],
        disclaimer="medical",
        published_at=timezone.now() - timezone.timedelta(days=1),
    )


def with_token(article: Article, data: dict) -> dict:
    """Comment form data as a browser would send it: with a form token
    issued a minute ago (posting faster than a person is refused)."""
    from talkpage.discussion.forms import issue_form_token

    return {
        "form_token": issue_form_token(article.pk, issued_at=time.time() - 60),
        **data,
    }
