"""Talkpage's own export, and reading it back without losing anything."""

import json

import pytest
from django.conf import settings
from django.utils import timezone

from talkpage.accounts.models import User
from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Status
from talkpage.discussion.services import delete_comment, edit_comment, vote
from talkpage.embeds.models import Site
from talkpage.embeds.pages import get_or_create_thread
from talkpage.importers.services import ImportFailed, export_comments, import_comments
from talkpage.importers.tests.exports import write
from talkpage.moderation.services import report
from talkpage.testing import make_article, make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def discussions(alice, bob, mallory, article, blog):
    """Every kind of comment there is, on an article and on an embed thread."""
    article.moderation_policy = "hold-anonymous"
    article.save()
    thread = get_or_create_thread(blog, "https://blog.example/post/", title="A post")
    make_article(slug="quiet", title="Nobody has said anything yet")
    first = make_comment(article, "First, from **alice**", user=alice)
    chain = [first]
    for level in range(settings.TALKPAGE_MAX_DEPTH + 2):
        chain.append(make_comment(article, f"Reply {level}", in_reply_to=chain[-1]))
    make_comment(article, "As nobody", user=alice, anonymous=True)
    make_comment(article, "Held one", status=Status.HELD)
    make_comment(article, "Hidden one", status=Status.HIDDEN, in_reply_to=first)
    make_comment(article, "Spam https://x.example", status=Status.SPAM)
    make_comment(article, "Rejected one", status=Status.REJECTED)
    regretted = make_comment(article, "Regretted", user=mallory)
    make_comment(article, "Still here", in_reply_to=regretted)
    delete_comment(comment=regretted)
    edited = make_comment(thread, "Typo", user=bob)
    edit_comment(comment=edited, text="Typo fixed")
    for n, value in enumerate([1, 1, -1]):
        vote(comment=first, voter_key=f"visitor:{n}", user=None, value=value)
    report(comment=edited, reporter=alice, reporter_key="user:1", reason="spam")
    Comment.objects.filter(pk=chain[1].pk).update(
        author_name="Zoë", moderation_reasons=["3 links"], spam_score=0.25
    )
    return article


def exported(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def without_ids(document: dict) -> dict:
    """The document with database ids replaced by positions in it."""
    articles = {a["id"]: n for n, a in enumerate(document["articles"])}
    comments = {c["id"]: n for n, c in enumerate(document["comments"])}
    remapped = []
    for comment in document["comments"]:
        comment = dict(comment)
        comment["id"] = comments[comment["id"]]
        comment["article"] = articles[comment["article"]]
        for name in ("in_reply_to", "parent", "root"):
            if comment[name] is not None:
                comment[name] = comments[comment[name]]
        remapped.append(comment)
    return {
        **{k: v for k, v in document.items() if k != "exported_at"},
        "articles": [{**a, "id": articles[a["id"]]} for a in document["articles"]],
        "comments": remapped,
    }


def test_the_export_holds_every_article_site_and_comment(tmp_path, discussions):
    summary = export_comments(destination=tmp_path / "export.json")
    document = exported(tmp_path / "export.json")
    assert (document["format"], document["version"]) == ("talkpage-export", 1)
    assert document["base_url"] == settings.BASE_URL
    assert summary.comments == Comment.objects.count() == len(document["comments"])
    assert {c["status"] for c in document["comments"]} == set(Status.values)
    [site] = document["sites"]
    assert site["origins"] == ["https://blog.example"]
    assert "sso_secret" not in site
    article = next(a for a in document["articles"] if a["slug"] == "magnesium")
    assert article["references"] == ["Someone. A paper. 2011."]
    assert article["moderation_policy"] == "hold-anonymous"
    embed = next(a for a in document["articles"] if a["site"])
    assert embed["page_url"] == "https://blog.example/post"
    first = document["comments"][0]
    assert (first["username"], first["upvotes"], first["downvotes"]) == ("alice", 2, 1)
    assert first["best_score"] > 0
    deleted = next(c for c in document["comments"] if c["deleted_at"])
    assert deleted["body"] == deleted["body_html"] == ""


def test_importing_an_export_into_an_empty_site_gives_the_same_export(
    tmp_path, discussions
):
    export_comments(destination=tmp_path / "before.json")
    counts_before = dict(Article.objects.values_list("slug", "comment_count"))
    replies_before = sorted(
        Comment.objects.filter(parent__isnull=True).values_list("body", "reply_count")
    )
    Article.objects.all().delete()
    Site.objects.all().delete()
    assert not Comment.objects.exists()

    summary = import_comments(format="talkpage", path=tmp_path / "before.json")
    export_comments(destination=tmp_path / "after.json")

    assert summary.problems.total == 0
    assert summary.threads_created == 3
    assert without_ids(exported(tmp_path / "after.json")) == without_ids(
        exported(tmp_path / "before.json")
    )
    assert dict(Article.objects.values_list("slug", "comment_count")) == counts_before
    assert (
        sorted(
            Comment.objects.filter(parent__isnull=True).values_list(
                "body", "reply_count"
            )
        )
        == replies_before
    )
    again = import_comments(format="talkpage", path=tmp_path / "before.json")
    assert (again.comments_imported, again.already_imported) == (
        0,
        summary.comments_imported,
    )


def test_comments_of_accounts_that_are_not_here_keep_their_name_not_the_account(
    tmp_path, alice, article
):
    make_comment(article, "Signed", user=alice)
    make_comment(article, "Hiding", user=alice, anonymous=True)
    export_comments(destination=tmp_path / "export.json")
    Article.objects.all().delete()
    User.objects.filter(pk=alice.pk).delete()
    import_comments(format="talkpage", path=tmp_path / "export.json")
    signed, hiding = Comment.objects.order_by("pk")
    assert (signed.user, signed.author_name, signed.public_name) == (
        None, "alice", "alice",
    )  # fmt: skip
    # Who was behind an anonymous comment is never put on show.
    assert (hiding.user, hiding.author_name, hiding.public_name) == (
        None, "", "Anonymous",
    )  # fmt: skip


def test_existing_articles_are_used_not_overwritten(tmp_path, article):
    make_comment(article, "Hello")
    export_comments(destination=tmp_path / "export.json")
    Comment.objects.all().delete()
    Article.objects.filter(pk=article.pk).update(title="Renamed here")
    summary = import_comments(format="talkpage", path=tmp_path / "export.json")
    article.refresh_from_db()
    assert article.title == "Renamed here"
    assert article.comments.get().body == "Hello"
    assert (summary.threads_mapped, summary.threads_created) == (1, 0)


def test_files_that_are_not_talkpage_exports_are_clear_errors(tmp_path):
    cases = {
        "{not json": "not valid JSON",
        "[1, 2]": "not a Talkpage export",
        '{"format": "other", "comments": []}': "not a Talkpage export",
        '{"format": "talkpage-export", "version": 2, "comments": []}': (
            "version 2; this Talkpage reads version 1"
        ),
        '{"format": "talkpage-export"}': "no version number",
    }
    for text, message in cases.items():
        with pytest.raises(ImportFailed, match=message):
            import_comments(format="talkpage", path=write(tmp_path / "x.json", text))


def test_malformed_records_are_reported_and_the_rest_imported(tmp_path, db):
    now = timezone.now().isoformat()
    document = {
        "format": "talkpage-export",
        "version": 1,
        "articles": [
            {"id": 1, "slug": "ok", "title": "OK", "published_at": now},
            {"id": 2, "slug": "not a slug!", "title": "Bad", "published_at": now},
        ],
        "comments": [
            {"id": 1, "article": 1, "status": "published", "created_at": now,
             "body": "fine", "body_html": "<p>fine</p>"},
            {"id": 2, "article": 1, "status": "published", "created_at": "soon"},
            {"id": 3, "article": 1, "status": "lost", "created_at": now},
            {"id": 4, "article": 2, "status": "published", "created_at": now},
            "not an object",
        ],
    }  # fmt: skip
    path = write(tmp_path / "export.json", json.dumps(document))
    summary = import_comments(format="talkpage", path=path)
    assert Comment.objects.get().body == "fine"
    assert [(p.where, p.kind) for p in summary.problems.items] == [
        ("article 2 (id 2)", "bad field"),
        ("comment 2 (id 2)", "bad date"),
        ("comment 3 (id 3)", "bad field"),
        ("comment 4 (id 4)", "unknown thread"),
        ("comment 5", "not an object"),
    ]
    assert summary.skipped == 4
