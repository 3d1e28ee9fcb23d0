"""Writing Talkpage's own export (docs/export-format.md), as a stream.

One row at a time goes from the database to the file (``iterator()``), so
exporting a million comments takes the memory of a few thousand.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment
from talkpage.embeds.models import Site
from talkpage.importers.formats.talkpage import FORMAT, VERSION

# Rows fetched at a time: the memory an export needs is about two of these
# batches (the next is fetched while the last is still referenced).
ROWS_PER_QUERY = 250
COMMENT_FIELDS = (
    "id", "article_id", "in_reply_to_id", "parent_id", "root_id", "depth",
    "user__username", "user__display_name", "anonymous", "author_name", "body",
    "body_html", "created_at", "edited_at", "deleted_at", "status",
    "moderation_reasons", "spam_score", "upvotes", "downvotes", "best_score",
    "report_count",
)  # fmt: skip


@dataclass(frozen=True)
class ExportSummary:
    sites: int
    articles: int
    comments: int


def write_export(
    out: TextIO, *, progress: Callable[[str, int, int, str], None] | None = None
) -> ExportSummary:
    # Comments posted while the export runs are left out as a whole: the
    # newest id is fixed first, so every comment written has its article
    # (written before it) and the comments it answers.
    last_comment = Comment.objects.order_by("-pk").values_list("pk", flat=True).first()
    comments = Comment.objects.filter(pk__lte=last_comment or 0).order_by("pk")
    total = comments.count()
    out.write("{\n")
    out.write(f'"format": "{FORMAT}",\n"version": {VERSION},\n')
    out.write(f'"exported_at": {_json(_time(timezone.now()))},\n')
    out.write(f'"base_url": {_json(settings.BASE_URL)},\n')
    sites = _array(
        out,
        "sites",
        (
            _site(site)
            for site in Site.objects.order_by("pk").prefetch_related("origins")
        ),
    )
    out.write(",\n")
    articles = _array(
        out,
        "articles",
        (
            _article(article)
            for article in Article.objects.order_by("pk")
            .select_related("site")
            .iterator(chunk_size=ROWS_PER_QUERY)
        ),
    )
    out.write(",\n")

    def comment_rows() -> Iterable[dict]:
        rows = comments.values(*COMMENT_FIELDS).iterator(chunk_size=ROWS_PER_QUERY)
        for done, row in enumerate(rows, start=1):
            yield _comment(row)
            if progress is not None:
                progress("writing", done, total, "comments")

    written = _array(out, "comments", comment_rows())
    out.write("\n}\n")
    return ExportSummary(sites=sites, articles=articles, comments=written)


def _array(out: TextIO, name: str, items: Iterable[dict]) -> int:
    out.write(f'"{name}": [')
    count = 0
    for item in items:
        out.write(",\n" if count else "\n")
        out.write(_json(item))
        count += 1
    out.write("\n]" if count else "]")
    return count


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _site(site: Site) -> dict:
    # Not the SSO secret: an export travels further than the server does.
    return {
        "key": site.key,
        "name": site.name,
        "origins": sorted(origin.origin for origin in site.origins.all()),
    }


def _article(article: Article) -> dict:
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "body_markdown": article.body_markdown,
        "references": article.references,
        "disclaimer": article.disclaimer,
        "published_at": _time(article.published_at),
        "moderation_policy": article.moderation_policy,
        "site": article.site.key if article.site_id else None,
        "page_url": article.page_url,
    }


def _comment(row: dict) -> dict:
    return {
        "id": row["id"],
        "article": row["article_id"],
        "in_reply_to": row["in_reply_to_id"],
        "parent": row["parent_id"],
        "root": row["root_id"],
        "depth": row["depth"],
        "username": row["user__username"],
        "account_name": (
            (row["user__display_name"] or row["user__username"])
            if row["user__username"]
            else ""
        ),
        "anonymous": row["anonymous"],
        "author_name": row["author_name"],
        "body": row["body"],
        "body_html": row["body_html"],
        "created_at": _time(row["created_at"]),
        "edited_at": _time(row["edited_at"]),
        "deleted_at": _time(row["deleted_at"]),
        "status": row["status"],
        "moderation_reasons": row["moderation_reasons"],
        "spam_score": row["spam_score"],
        "upvotes": row["upvotes"],
        "downvotes": row["downvotes"],
        "best_score": row["best_score"],
        "report_count": row["report_count"],
    }
