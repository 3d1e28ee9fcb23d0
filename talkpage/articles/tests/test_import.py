"""Loading articles from Markdown files with front matter."""

import textwrap

import pytest
from django.core.management import CommandError, call_command

from talkpage.articles.models import Article
from talkpage.articles.services import DEMO_DIR, import_articles, load_demo_if_empty
from talkpage.cli import main as talkpage_main
from talkpage.discussion.services import post_comment

pytestmark = pytest.mark.django_db

ARTICLE = """\
---
title: Why is the sky blue?
slug: sky
summary: Scattering.
published: 2026-01-02
disclaimer: general
references:
  - "Rayleigh. On the light from the sky. 1871."
---
Short answer: **scattering** [1].
"""


def write(folder, name, text):
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def test_import_creates_articles_from_front_matter(tmp_path):
    write(tmp_path, "sky.md", ARTICLE)
    result = import_articles(tmp_path)
    article = Article.objects.get(slug="sky")
    assert result.created == ["sky"]
    assert article.title == "Why is the sky blue?"
    assert article.summary == "Scattering."
    assert article.references == ["Rayleigh. On the light from the sky. 1871."]
    assert article.disclaimer == "general"
    assert "<strong>scattering</strong>" in article.body_html
    assert article.published_at.date().isoformat() == "2026-01-02"


def test_reimport_updates_by_slug_and_keeps_the_discussion(tmp_path):
    write(tmp_path, "sky.md", ARTICLE)
    import_articles(tmp_path)
    article = Article.objects.get(slug="sky")
    post_comment(article=article, user=None, text="Nice")
    write(tmp_path, "sky.md", ARTICLE.replace("Scattering.", "Rayleigh scattering."))
    result = import_articles(tmp_path)
    assert result.updated == ["sky"]
    article.refresh_from_db()
    assert article.summary == "Rayleigh scattering."
    assert article.comments.count() == 1
    assert import_articles(tmp_path).unchanged == ["sky"]
    assert Article.objects.count() == 1


def test_raw_html_in_an_article_is_escaped(tmp_path):
    write(tmp_path, "x.md", ARTICLE + "\n<script>alert(1)</script>\n")
    import_articles(tmp_path)
    assert "<script>" not in Article.objects.get().body_html


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter at all", "lacks title"),
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        ("---\ntitle: T\nslug: Not A Slug\n---\nbody", "slug"),
        ("---\ntitle: T\nreferences: just one\n---\nbody", "references must be a list"),
        ("---\ntitle: T\npublished: someday\n---\nbody", "not a date"),
        ("---\ntitle: T\n---\n", "no body"),
    ],
)
def test_bad_files_are_reported_and_the_rest_imported(tmp_path, text, reason):
    write(tmp_path, "bad.md", text)
    write(tmp_path, "good.md", ARTICLE)
    result = import_articles(tmp_path)
    assert result.created == ["sky"]
    [(path, why)] = result.failed
    assert path.name == "bad.md"
    assert reason in why


def test_non_utf8_file_is_reported(tmp_path):
    (tmp_path / "latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\nbody")
    assert "not UTF-8" in import_articles(tmp_path).failed[0][1]


def test_management_command_reports_counts_and_failures(tmp_path, capsys):
    write(tmp_path, "sky.md", ARTICLE)
    call_command("import_articles", str(tmp_path))
    assert "1 created" in capsys.readouterr().out
    write(tmp_path, "bad.md", "nothing")
    with pytest.raises(CommandError, match="bad.md"):
        call_command("import_articles", str(tmp_path))


@pytest.mark.django_db(transaction=True)
def test_cli_import_articles(tmp_path, capsys):
    # transaction=True: a management command run from the command line
    # closes the database connections when it ends.
    write(tmp_path, "sky.md", ARTICLE)
    assert talkpage_main(["import-articles", str(tmp_path)]) == 0
    assert Article.objects.filter(slug="sky").exists()


def test_demo_content_loads_only_into_an_empty_site():
    result = load_demo_if_empty()
    assert result is not None and not result.failed
    assert len(result.created) >= 3
    assert Article.objects.filter(slug="fibromyalgia-and-magnesium").exists()
    assert load_demo_if_empty() is None


def test_demo_article_covers_what_the_explainer_promises():
    import_articles(DEMO_DIR)
    article = Article.objects.get(slug="fibromyalgia-and-magnesium")
    text = article.body_markdown.lower()
    assert article.title == "What is the connection between fibromyalgia and magnesium?"
    for topic in ("irritable bowel", "2011", "malic acid", "calcium", "two months"):
        assert topic in text
    assert article.disclaimer == "medical"
    assert len(article.references) >= 4
