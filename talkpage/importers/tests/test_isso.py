"""Importing Isso's SQLite database."""

import sqlite3
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from talkpage.discussion.models import Comment, Status
from talkpage.importers.models import ImportedComment
from talkpage.importers.services import ImportFailed, import_comments
from talkpage.importers.tests.exports import IssoComment, isso_db, write

pytestmark = pytest.mark.django_db

THREADS = [(1, "/2019/hello/", "Hello"), (2, "/about/", None)]


def run_import(tmp_path, comments, threads=THREADS, **options):
    path = isso_db(tmp_path / "comments.db", threads, comments)
    return import_comments(format="isso", path=path, **options)


def imported(source_id: int, source="isso:https://blog.example") -> Comment:
    return ImportedComment.objects.get(source=source, source_id=str(source_id)).comment


def test_paths_are_resolved_against_the_sites_origin(tmp_path, blog):
    summary = run_import(tmp_path, [IssoComment(1, 1), IssoComment(2, 2)], site=blog)
    assert summary.source == "isso:https://blog.example"
    assert imported(1).article.page_url == "https://blog.example/2019/hello"
    assert imported(1).article.title == "Hello"
    assert imported(2).article.page_url == "https://blog.example/about"


def test_paths_are_resolved_against_the_base_url_given(tmp_path, blog):
    run_import(tmp_path, [IssoComment(1, 1)], base_url="https://blog.example/")
    assert imported(1).article.site == blog


def test_paths_without_a_base_are_pages_of_talkpage_itself(tmp_path, article):
    threads = [(1, "/articles/magnesium/", "Magnesium?")]
    run_import(tmp_path, [IssoComment(1, 1)], threads=threads)
    assert imported(1, "isso:http://127.0.0.1:8000").article == article


def test_text_is_markdown_and_times_are_unix_seconds(tmp_path, blog):
    run_import(
        tmp_path,
        [
            IssoComment(
                1, 1, text="Some *emphasis* and [a link](https://x.example)",
                created=1_550_000_000.25, modified=1_550_000_100.0,
            )
        ],
        site=blog,
    )  # fmt: skip
    comment = imported(1)
    assert comment.body == "Some *emphasis* and [a link](https://x.example)"
    assert "<em>emphasis</em>" in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html
    assert comment.created_at == datetime.fromtimestamp(1_550_000_000.25, tz=UTC)
    assert comment.edited_at == datetime.fromtimestamp(1_550_000_100.0, tz=UTC)


def test_modes_map_to_moderation_states(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            IssoComment(1, 1, mode=1),
            IssoComment(2, 1, mode=2),
            IssoComment(3, 1, mode=4, text="", author=None),
            IssoComment(4, 1, parent=3),
            IssoComment(5, 1, mode=8),
        ],
        site=blog,
    )
    assert imported(1).status == Status.PUBLISHED
    assert imported(2).status == Status.HELD
    assert imported(2).moderation_reasons == ["awaiting moderation in Isso"]
    deleted = imported(3)
    assert deleted.is_deleted and deleted.body == ""
    assert imported(4).parent == deleted
    assert imported(5).status == Status.HELD
    # Held comments wait for a moderator like any others.
    assert set(Comment.objects.needing_decision()) == {imported(2), imported(5)}
    assert summary.problems.by_kind == {"unknown mode": 1}
    deleted.refresh_from_db()
    assert deleted.reply_count == 1
    assert deleted.article.comment_count == 2


def test_likes_and_dislikes_become_vote_totals(tmp_path, blog):
    run_import(tmp_path, [IssoComment(1, 1, likes=9, dislikes=1)], site=blog)
    comment = imported(1)
    assert (comment.upvotes, comment.downvotes) == (9, 1)
    assert 0.5 < comment.best_score < 0.9


def test_an_author_without_a_name_is_anonymous(tmp_path, blog, alice):
    alice.email_verified_at = timezone.now()
    alice.save()
    run_import(
        tmp_path,
        [
            IssoComment(1, 1, author=None, email=None),
            IssoComment(2, 1, author="Al", email="Alice@example.org"),
        ],
        site=blog,
    )
    assert imported(1).public_name == "Anonymous"
    assert imported(2).user == alice


def test_it_keeps_no_website_email_or_address(tmp_path, blog):
    run_import(tmp_path, [IssoComment(1, 1)], site=blog)
    stored = " ".join(str(v) for v in Comment.objects.values().get().values())
    assert "ann.example" not in stored
    assert "ann@example.com" not in stored
    assert "192.168.0.0" not in stored


def test_a_bad_creation_time_is_reported_and_skipped(tmp_path, blog):
    summary = run_import(tmp_path, [IssoComment(1, 1, created=1e300)], site=blog)
    assert not Comment.objects.exists()
    assert [(p.where, p.kind) for p in summary.problems.items] == [
        ("comment id 1", "bad date")
    ]


def test_a_file_that_is_not_an_isso_database_is_a_clear_error(tmp_path):
    text = write(tmp_path / "comments.db", "not sqlite")
    with pytest.raises(ImportFailed, match="not an SQLite file"):
        import_comments(format="isso", path=text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    with pytest.raises(ImportFailed, match="no threads and comments tables"):
        import_comments(format="isso", path=other)


def test_the_database_is_only_read(tmp_path, blog):
    path = isso_db(tmp_path / "comments.db", THREADS, [IssoComment(1, 1)])
    before = path.read_bytes()
    import_comments(format="isso", path=path, site=blog)
    assert path.read_bytes() == before
