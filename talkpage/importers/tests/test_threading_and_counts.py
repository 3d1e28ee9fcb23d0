"""Imported threads are placed as posting places them, counted like any
others, and importing again changes nothing."""

import pytest
from django.conf import settings

from talkpage.discussion.models import Comment
from talkpage.importers.models import ImportedComment
from talkpage.importers.services import import_comments
from talkpage.importers.tests.exports import DisqusPost, disqus_xml, write
from talkpage.testing import make_article, make_comment

pytestmark = pytest.mark.django_db

THREADS = [
    ("t1", "https://blog.example/a/", "A"),
    ("t2", "https://blog.example/b/", "B"),
]


def run_import(tmp_path, posts, **options):
    path = write(tmp_path / "disqus.xml", disqus_xml(THREADS, posts))
    return import_comments(format="disqus", path=path, **options)


def shape(comments: list[Comment]) -> list[tuple]:
    """Each comment's place, with others named by their position in the list."""
    position = {comment.pk: n for n, comment in enumerate(comments)}
    return [
        (
            position.get(c.parent_id),
            position.get(c.root_id),
            position.get(c.in_reply_to_id),
            c.depth,
        )
        for c in comments
    ]


def test_it_threads_past_the_maximum_depth_exactly_as_posting_does(tmp_path, blog):
    levels = settings.TALKPAGE_MAX_DEPTH + 3
    posted = make_article(slug="posted")
    chain = [make_comment(posted, "level 0")]
    for level in range(1, levels):
        chain.append(make_comment(posted, f"level {level}", in_reply_to=chain[-1]))
    chain.append(make_comment(posted, "beside", in_reply_to=chain[2]))
    # The same conversation from Disqus, deepest reply first.
    posts = [DisqusPost("c0", "t1")] + [
        DisqusPost(f"c{level}", "t1", parent=f"c{level - 1}")
        for level in range(1, levels)
    ]
    posts.append(DisqusPost("beside", "t1", parent="c2"))
    run_import(tmp_path, list(reversed(posts)), chunk_size=3)
    imported = [
        ImportedComment.objects.get(source_id=post.id).comment for post in posts
    ]
    assert shape(imported) == shape(chain)
    assert imported[-2].depth == settings.TALKPAGE_MAX_DEPTH
    assert imported[-2].in_reply_to == imported[-3]
    assert imported[-2].parent == imported[-3].parent


def test_a_reply_to_a_comment_of_another_thread_becomes_top_level(tmp_path, blog):
    summary = run_import(
        tmp_path, [DisqusPost("1", "t1"), DisqusPost("2", "t2", parent="1")]
    )
    reply = ImportedComment.objects.get(source_id="2").comment
    assert reply.parent is None
    assert summary.problems.by_kind == {"parent elsewhere": 1}


def test_replies_whose_parents_go_round_in_a_loop_are_imported_and_reported(
    tmp_path, blog
):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", parent="3"),
            DisqusPost("2", "t1", parent="1"),
            DisqusPost("3", "t1", parent="2"),
        ],
    )
    comments = {row.source_id: row.comment for row in ImportedComment.objects.all()}
    assert comments["1"].parent is None
    assert comments["2"].parent == comments["1"]
    assert comments["3"].parent == comments["2"]
    assert summary.problems.by_kind == {"reply loop": 1}
    assert not ImportedComment.objects.filter(awaiting_parent=True).exists()


def test_counts_are_recomputed_from_the_rows_and_caches_move_on(
    tmp_path, blog, article
):
    make_comment(article, "Already here")
    article.refresh_from_db()
    version = article.discussion_version
    run_import(
        tmp_path,
        [
            DisqusPost("1", "t1"),
            DisqusPost("2", "t1", parent="1"),
            DisqusPost("3", "t1", parent="2", spam=True),
            DisqusPost("4", "t1", parent="1", deleted=True),
            DisqusPost("5", "t1"),
            DisqusPost("6", "t2"),
        ],
        article=article,
    )
    article.refresh_from_db()
    assert article.comment_count == 1 + 4
    assert (
        article.comment_count
        == Comment.objects.visible().filter(article=article).count()
    )
    assert article.discussion_version > version
    root = ImportedComment.objects.get(source_id="1").comment
    assert root.reply_count == 1
    for top in Comment.objects.filter(article=article, parent__isnull=True):
        visible = Comment.objects.visible().filter(root=top).count()
        assert top.reply_count == visible


def test_importing_twice_imports_nothing_twice(tmp_path, blog):
    posts = [
        DisqusPost("1", "t1"),
        DisqusPost("2", "t1", parent="1"),
        DisqusPost("3", "t2", deleted=True),
        DisqusPost("4", "t2", parent="3"),
    ]
    first = run_import(tmp_path, posts)

    def rows():
        return list(
            Comment.objects.order_by("pk").values(
                "pk", "article_id", "parent_id", "root_id", "in_reply_to_id",
                "depth", "body", "status", "deleted_at", "reply_count",
            )
        )  # fmt: skip

    before = rows()
    counts = list(blog.threads.order_by("pk").values_list("comment_count", flat=True))
    second = run_import(tmp_path, posts)
    assert (first.comments_imported, first.already_imported) == (4, 0)
    assert (second.comments_imported, second.already_imported) == (0, 4)
    assert second.threads_created == 0
    assert rows() == before
    assert (
        list(blog.threads.order_by("pk").values_list("comment_count", flat=True))
        == counts
    )
    assert blog.threads.count() == 2


def test_new_replies_in_a_later_export_join_comments_imported_before(tmp_path, blog):
    run_import(tmp_path, [DisqusPost("1", "t1")])
    summary = run_import(
        tmp_path, [DisqusPost("1", "t1"), DisqusPost("2", "t1", parent="1")]
    )
    assert (summary.comments_imported, summary.already_imported) == (1, 1)
    parent = ImportedComment.objects.get(source_id="1").comment
    assert ImportedComment.objects.get(source_id="2").comment.parent == parent
    parent.refresh_from_db()
    assert parent.reply_count == 1
