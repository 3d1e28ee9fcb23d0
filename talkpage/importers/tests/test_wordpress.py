"""Importing WordPress's WXR export."""

from datetime import UTC, datetime

import pytest

from talkpage.discussion.models import Comment, Status
from talkpage.importers.models import ImportedComment
from talkpage.importers.services import ImportFailed, import_comments
from talkpage.importers.tests.exports import (
    WordPressComment,
    WordPressItem,
    wordpress_xml,
    write,
)

pytestmark = pytest.mark.django_db

SOURCE = "wordpress:https://blog.example"


def run_import(tmp_path, items, name="wordpress.xml", **options):
    path = write(tmp_path / name, wordpress_xml(items, **options))
    return import_comments(format="wordpress", path=path)


def imported(source_id: str, source: str = SOURCE) -> Comment:
    return ImportedComment.objects.get(source=source, source_id=source_id).comment


def post(*comments, post_id="12", link="https://blog.example/2019/03/hello/"):
    return WordPressItem(post_id=post_id, link=link, comments=list(comments))


def test_it_imports_comments_under_the_posts_embed_thread(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [post(WordPressComment("3", author="Ann", date_gmt="2019-03-04 12:34:56"))],
    )
    comment = imported("3")
    assert summary.source == SOURCE
    assert comment.article.site == blog
    assert comment.article.page_url == "https://blog.example/2019/03/hello"
    assert comment.article.title == "Hello world"
    assert comment.author_name == "Ann"
    assert comment.created_at == datetime(2019, 3, 4, 12, 34, 56, tzinfo=UTC)


def test_newlines_become_paragraphs_and_line_breaks_as_on_wordpress(tmp_path, blog):
    run_import(
        tmp_path,
        [post(WordPressComment("3", content="Line one\nline two\n\nNew paragraph"))],
    )
    comment = imported("3")
    assert comment.body_html == "<p>Line one<br>\nline two</p>\n<p>New paragraph</p>"
    assert comment.body == "Line one\nline two\n\nNew paragraph"


def test_approval_states_map_to_moderation_states(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            post(
                WordPressComment("1", approved="1"),
                WordPressComment("2", approved="0"),
                WordPressComment("3", approved="spam"),
                WordPressComment("4", approved="trash"),
                WordPressComment("5", approved="post-trashed"),
                WordPressComment("6", approved="weird"),
            )
        ],
    )
    states = [imported(str(n)).status for n in range(1, 7)]
    assert states == [
        Status.PUBLISHED, Status.HELD, Status.SPAM, Status.REJECTED, Status.REJECTED,
        Status.HELD,
    ]  # fmt: skip
    # Trash keeps the words, for a moderator to restore.
    assert imported("4").body == "Hello"
    assert not imported("4").is_deleted
    assert imported("2").moderation_reasons == ["awaiting moderation in WordPress"]
    [problem] = summary.problems.items
    assert (problem.kind, problem.outcome) == (
        "unknown approval",
        "held for moderation",
    )
    assert imported("1").article.comment_count == 1


def test_pingbacks_and_trackbacks_are_skipped_and_counted(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            post(
                WordPressComment("1"),
                WordPressComment("2", type="pingback", content="linked you"),
                WordPressComment("3", type="trackback"),
                WordPressComment("4", type="pingback"),
                WordPressComment("5", type="order_note"),
            )
        ],
    )
    assert Comment.objects.count() == 1
    assert summary.not_comments == {"pingback": 2, "trackback": 1}
    assert summary.skipped == 4
    assert "  not comments: 2 pingbacks, 1 trackback (skipped)" in summary.lines()
    [problem] = summary.problems.items
    assert problem.kind == "not a comment"
    assert "order_note" in problem.detail


def test_replies_are_threaded_by_comment_parent(tmp_path, blog):
    run_import(
        tmp_path,
        [
            post(
                WordPressComment("8", parent="7"),
                WordPressComment("7", parent="0"),
                WordPressComment("9", parent="8"),
            )
        ],
    )
    root, reply, deeper = imported("7"), imported("8"), imported("9")
    assert (reply.parent, reply.depth) == (root, 1)
    assert (deeper.parent, deeper.root, deeper.depth) == (reply, root, 2)


def test_comment_ids_of_two_blogs_do_not_collide(tmp_path, blog):
    blog.origins.create(origin="https://other.example")
    run_import(tmp_path, [post(WordPressComment("1", content="one"))])
    summary = run_import(
        tmp_path,
        [post(WordPressComment("1", content="other"), link="https://other.example/x/")],
        name="other.xml",
        base="https://other.example",
    )
    assert summary.comments_imported == 1
    assert imported("1").body == "one"
    assert imported("1", "wordpress:https://other.example").body == "other"


def test_a_bad_or_empty_date_is_reported_and_skipped(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [post(WordPressComment("1", date_gmt="0000-00-00 00:00:00"))],
    )
    assert not Comment.objects.exists()
    [problem] = summary.problems.items
    assert (problem.where, problem.kind) == ("comment 1 (wp:comment_id 1)", "bad date")


def test_it_keeps_no_website_email_or_address_of_authors(tmp_path, blog):
    run_import(tmp_path, [post(WordPressComment("1", url="https://ann.example"))])
    stored = " ".join(str(v) for v in Comment.objects.values().get().values())
    assert "ann.example" not in stored
    assert "ann@example.com" not in stored
    assert "203.0.113.9" not in stored


def test_items_without_comments_create_no_threads(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            post(post_id="1"),
            post(WordPressComment("1"), post_id="2", link="https://blog.example/b/"),
        ],
    )
    assert blog.threads.count() == 1
    assert summary.threads_without_comments == 0
    assert summary.threads_mapped == 1


def test_a_file_that_is_rss_but_not_wordpress_imports_nothing_and_says_so(tmp_path):
    path = write(tmp_path / "feed.xml", "<feed><entry/></feed>")
    with pytest.raises(ImportFailed, match=r"not a WordPress export.*<feed>"):
        import_comments(format="wordpress", path=path)


def test_html_named_entities_that_xml_does_not_know_are_a_clear_error(tmp_path):
    text = wordpress_xml([post(WordPressComment("1"))]).replace(
        "<title>A blog</title>", "<title>A&nbsp;blog</title>"
    )
    path = write(tmp_path / "wordpress.xml", text)
    with pytest.raises(ImportFailed, match="undefined entity"):
        import_comments(format="wordpress", path=path)
