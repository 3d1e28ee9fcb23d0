"""Loading articles from Markdown files with a YAML front-matter header.

A file looks like::

    ---
    title: What is the connection between fibromyalgia and magnesium?
    slug: fibromyalgia-and-magnesium
    summary: One or two sentences for the home page.
    published: 2026-11-02
    disclaimer: medical        # or general, or your own text; optional
    references:
      - "Author. Title. Journal. 2011."
    ---
    The body, in Markdown.

Importing is idempotent by slug: importing a changed file updates the
article, and its discussion stays attached.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import frontmatter
import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from talkpage.articles.models import Article
from talkpage.lib.markdown import render_article

DEMO_DIR = Path(__file__).resolve().parent / "demo"
REQUIRED = ("title",)


class ArticleFileError(ValueError):
    """A file that cannot become an article, with the reason."""


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    failed: list[tuple[Path, str]]


def parse_article_file(path: Path) -> dict:
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ArticleFileError("not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise ArticleFileError(f"front matter is not valid YAML: {error}") from None
    meta = post.metadata
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ArticleFileError(f"front matter lacks {', '.join(missing)}")
    slug = str(meta.get("slug") or slugify(str(meta["title"])))
    if slug != slugify(slug) or not slug:
        raise ArticleFileError(f"slug {slug!r} may only have a-z, 0-9 and -")
    references = meta.get("references") or []
    if not isinstance(references, list):
        raise ArticleFileError("references must be a list")
    if not post.content.strip():
        raise ArticleFileError("the article has no body")
    return {
        "slug": slug,
        "title": str(meta["title"]).strip(),
        "summary": str(meta.get("summary") or "").strip(),
        "body_markdown": post.content,
        "body_html": render_article(post.content),
        "references": [str(ref).strip() for ref in references],
        "disclaimer": str(meta.get("disclaimer") or "").strip(),
        "published_at": _published_at(meta.get("published"), path),
    }


def _published_at(value, path: Path) -> datetime:
    if value is None:
        return timezone.now()
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(9, 0)))
    try:
        return _published_at(date.fromisoformat(str(value)), path)
    except ValueError:
        raise ArticleFileError(f"published {value!r} is not a date") from None


def import_articles(
    directory: Path, *, progress: Callable[[str], None] | None = None
) -> ImportResult:
    """Create or update an article for every ``*.md`` file in ``directory``."""
    created, updated, unchanged, failed = [], [], [], []
    for path in sorted(directory.glob("*.md")):
        try:
            fields = parse_article_file(path)
        except ArticleFileError as error:
            failed.append((path, str(error)))
            if progress:
                progress(f"skipped {path.name}: {error}")
            continue
        with transaction.atomic():
            article = (
                Article.objects.select_for_update().filter(slug=fields["slug"]).first()
            )
            if article is None:
                Article.objects.create(**fields)
                created.append(fields["slug"])
            elif any(getattr(article, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(article, key, value)
                article.save()
                updated.append(fields["slug"])
            else:
                unchanged.append(fields["slug"])
        if progress:
            progress(f"imported {path.name} as /articles/{fields['slug']}/")
    return ImportResult(created, updated, unchanged, failed)


def load_demo_if_empty() -> ImportResult | None:
    """The demo articles, for a brand-new installation only."""
    if Article.objects.exists():
        return None
    return import_articles(DEMO_DIR)
