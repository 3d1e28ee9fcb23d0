"""Importing Disqus's XML export."""

import gzip
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from talkpage.discussion.models import Comment, Status
from talkpage.importers.models import ImportedComment
from talkpage.importers.services import ImportFailed, import_comments
from talkpage.importers.tests.exports import DisqusPost, disqus_xml, write

pytestmark = pytest.mark.django_db

THREADS = [
    ("t1", "https://blog.example/first/", "The first post"),
    ("t2", "http://blog.example/second/?utm_source=feed", "The second post"),
]


def run_import(tmp_path, posts, *, threads=THREADS, **options):
    path = write(tmp_path / "disqus.xml", disqus_xml(threads, posts))
    return import_comments(format="disqus", path=path, **options)


def imported(source_id: str) -> Comment:
    return ImportedComment.objects.get(source="disqus", source_id=source_id).comment


def test_it_imports_comments_with_their_times_and_authors(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", message="<p>First!</p>", name="Ann Example"),
            DisqusPost("2", "t2", created_at="2014-05-06T07:08:09Z", name="Bo"),
        ],
    )
    assert summary.comments_imported == 2
    assert summary.threads_mapped == 2
    assert summary.threads_created == 2
    first, second = imported("1"), imported("2")
    assert first.article.site == blog
    assert first.article.page_url == "https://blog.example/first"
    assert first.article.title == "The first post"
    assert second.article.page_url == "https://blog.example/second"
    assert first.body == "First!"
    assert first.body_html == "<p>First!</p>"
    assert first.author_name == "Ann Example"
    assert first.user is None
    assert first.status == Status.PUBLISHED
    assert second.created_at == datetime(2014, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_an_author_whose_email_has_an_account_here_is_that_account(
    tmp_path, blog, alice
):
    alice.email_verified_at = timezone.now()
    alice.save()
    run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", email="ALICE@Example.ORG", name="Alice D."),
            DisqusPost("2", "t1", email="someone@example.net", name="Stranger"),
        ],
    )
    mine, theirs = imported("1"), imported("2")
    assert mine.user == alice
    assert mine.author_name == ""
    assert not mine.anonymous
    assert mine.public_name == "alice"
    assert theirs.user is None
    assert theirs.public_name == "Stranger"


def test_it_stores_no_email_address_or_ip_of_imported_authors(tmp_path, blog):
    run_import(tmp_path, [DisqusPost("1", "t1", email="ann@example.com")])
    row = Comment.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    assert "ann@example.com" not in stored
    assert "198.51.100.7" not in stored  # the post's <ipAddress>
    assert "ann_d" not in stored  # the Disqus username
    assert row["network_hash"] == ""


def test_it_keeps_threading_when_replies_come_before_their_parents(tmp_path, blog):
    run_import(
        tmp_path,
        [
            DisqusPost("3", "t1", parent="2", message="<p>grandchild</p>"),
            DisqusPost("2", "t1", parent="1", message="<p>child</p>"),
            DisqusPost("1", "t1", message="<p>root</p>"),
            DisqusPost("4", "t1", parent="1", message="<p>second child</p>"),
        ],
    )
    root, child, grandchild, second = (imported(i) for i in "1234")
    assert (root.parent, root.root, root.depth) == (None, None, 0)
    assert (child.parent, child.root, child.in_reply_to, child.depth) == (
        root, root, root, 1,
    )  # fmt: skip
    assert (grandchild.parent, grandchild.root, grandchild.depth) == (child, root, 2)
    assert grandchild.in_reply_to == child
    assert (second.parent, second.root, second.depth) == (root, root, 1)
    root.refresh_from_db()
    assert root.reply_count == 3


def test_deleted_parents_stay_as_placeholders_so_replies_keep_their_place(
    tmp_path, blog
):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", message="<p>regret this</p>", deleted=True),
            DisqusPost("2", "t1", parent="1", message="<p>a reply</p>"),
        ],
    )
    parent, reply = imported("1"), imported("2")
    assert parent.is_deleted
    assert parent.body == parent.body_html == parent.author_name == ""
    assert parent.user is None
    assert reply.parent == parent
    assert reply.root == parent
    assert summary.comments_imported == 2
    parent.refresh_from_db()
    assert parent.reply_count == 1
    assert parent.article.comment_count == 1


def test_spam_is_kept_as_spam_and_never_counted(tmp_path, blog):
    run_import(tmp_path, [DisqusPost("1", "t1", spam=True), DisqusPost("2", "t1")])
    spam = imported("1")
    assert spam.status == Status.SPAM
    assert spam.moderation_reasons == ["marked as spam in Disqus"]
    assert spam.article.comment_count == 1


def test_a_reply_whose_parent_is_not_in_the_file_becomes_top_level_and_is_reported(
    tmp_path, blog
):
    summary = run_import(tmp_path, [DisqusPost("5", "t1", parent="404")])
    reply = imported("5")
    assert (reply.parent, reply.root, reply.in_reply_to, reply.depth) == (
        None, None, None, 0,
    )  # fmt: skip
    [problem] = summary.problems.items
    assert problem.kind == "parent missing"
    assert "404" in problem.detail
    assert problem.outcome == "imported as top-level"
    assert not problem.skipped


def test_bad_records_are_reported_with_where_they_are_and_the_rest_imported(
    tmp_path, blog
):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", created_at="yesterday"),
            DisqusPost("2", "t9"),
            DisqusPost("", "t1"),
            DisqusPost("3", "t1"),
        ],
    )
    assert summary.comments_imported == 1
    assert summary.skipped == 3
    assert [(p.where, p.kind) for p in summary.problems.items] == [
        ("post 1 (dsq:id 1)", "bad date"),
        ("post 2 (dsq:id 2)", "unknown thread"),
        ("post 3", "no dsq:id"),
    ]
    assert "'yesterday'" in summary.problems.items[0].detail
    lines = "\n".join(summary.lines())
    assert "post 1 (dsq:id 1): bad date: 'yesterday' is not an ISO 8601" in lines
    assert "skipped" in lines


def test_duplicate_ids_in_one_file_are_imported_once_and_reported(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", message="<p>original</p>"),
            DisqusPost("1", "t1", message="<p>copy</p>"),
        ],
    )
    assert Comment.objects.get().body == "original"
    assert summary.comments_imported == 1
    [problem] = summary.problems.items
    assert (problem.where, problem.kind) == ("post 2 (dsq:id 1)", "duplicate id")
    assert problem.skipped


def test_duplicate_ids_are_found_across_chunks_too(tmp_path, blog):
    posts = [DisqusPost(str(n), "t1") for n in range(5)] + [DisqusPost("0", "t1")]
    summary = run_import(tmp_path, posts, chunk_size=2)
    assert Comment.objects.count() == 5
    assert summary.problems.by_kind == {"duplicate id": 1}


def test_a_post_without_an_author_is_anonymous(tmp_path, blog):
    run_import(tmp_path, [DisqusPost("1", "t1", author=False)])
    comment = imported("1")
    assert comment.user is None
    assert comment.author_name == ""
    assert comment.public_name == "Anonymous"


def test_a_post_without_a_message_is_kept_as_a_placeholder_and_reported(tmp_path, blog):
    summary = run_import(
        tmp_path,
        [
            DisqusPost("1", "t1", message="  "),
            DisqusPost("2", "t1", parent="1"),
        ],
    )
    empty = imported("1")
    assert empty.is_deleted
    assert imported("2").parent == empty
    [problem] = summary.problems.items
    assert problem.kind == "no message"
    assert "placeholder" in problem.outcome


def test_cdata_and_character_entities_are_decoded(tmp_path, blog):
    run_import(
        tmp_path,
        [
            # CDATA holding HTML with entities of its own.
            DisqusPost("1", "t1", message="<p>It&#8217;s R&amp;D &lt;3</p>"),
            # The same HTML escaped as XML text instead of CDATA.
            DisqusPost("2", "t1", message="<p>It&#8217;s R&amp;D</p>", escaped=True),
            # Written into the XML as "Zoë &amp; Co".
            DisqusPost("3", "t1", name="Zoë & Co"),
        ],
        threads=[("t1", "https://blog.example/?p=1&lang=en", "Q&A")],
    )
    first, second, third = imported("1"), imported("2"), imported("3")
    assert first.body == "It\u2019s R&D <3"
    assert "It\u2019s R&amp;D &lt;3" in first.body_html
    assert second.body == "It\u2019s R&D"
    assert third.author_name == "Zoë & Co"
    assert first.article.page_url == "https://blog.example/?lang=en&p=1"
    assert first.article.title == "Q&A"


def test_entity_declarations_are_refused_with_a_clear_error(tmp_path, blog):
    laughs = (
        '<!DOCTYPE disqus [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    )
    text = disqus_xml(THREADS, [DisqusPost("1", "t1", message="&lol3;")], head=laughs)
    path = write(tmp_path / "laughs.xml", text)
    with pytest.raises(ImportFailed) as failure:
        import_comments(format="disqus", path=path)
    assert "entity" in str(failure.value)
    assert "refused" in str(failure.value)
    assert failure.value.summary is None
    assert not Comment.objects.exists()


def test_a_file_that_is_not_xml_or_not_from_disqus_is_a_clear_error(tmp_path):
    not_xml = write(tmp_path / "notes.xml", "just some notes, not XML")
    with pytest.raises(ImportFailed, match="not well-formed XML"):
        import_comments(format="disqus", path=not_xml)
    rss = write(tmp_path / "rss.xml", "<rss><channel/></rss>")
    with pytest.raises(ImportFailed, match=r"not a Disqus export.*<rss>"):
        import_comments(format="disqus", path=rss)


def test_a_file_broken_halfway_keeps_what_came_before_and_says_where(tmp_path, blog):
    whole = disqus_xml(THREADS, [DisqusPost(str(n), "t1") for n in range(1, 4)])
    broken = whole[: whole.index('<post dsq:id="3">') + 30]
    path = write(tmp_path / "broken.xml", broken)
    with pytest.raises(ImportFailed) as failure:
        import_comments(format="disqus", path=path, chunk_size=1)
    assert "not well-formed XML" in str(failure.value)
    assert "line" in str(failure.value)
    assert failure.value.summary.comments_imported == 2
    write(tmp_path / "broken.xml", whole)
    summary = import_comments(format="disqus", path=path)
    assert (summary.comments_imported, summary.already_imported) == (1, 2)


def test_an_over_long_name_keeps_its_first_80_characters_and_is_reported(
    tmp_path, blog
):
    summary = run_import(tmp_path, [DisqusPost("1", "t1", name="N" * 120)])
    assert imported("1").author_name == "N" * 80
    [problem] = summary.problems.items
    assert problem.kind == "name too long"
    assert "120 characters" in problem.detail
    assert problem.outcome == "kept the first 80"
    assert not problem.skipped


def test_a_gzipped_export_is_read_as_disqus_sends_it(tmp_path, blog):
    text = disqus_xml(THREADS, [DisqusPost("1", "t1"), DisqusPost("2", "t2")])
    path = tmp_path / "disqus-export.xml.gz"
    path.write_bytes(gzip.compress(text.encode()))
    seen = []
    summary = import_comments(
        format="disqus", path=path, progress=lambda *step: seen.append(step)
    )
    assert summary.comments_imported == 2
    assert seen[-1] == ("counting", 2, 2, "articles")
    reading = [step for step in seen if step[0] == "reading"]
    assert reading[-1][1:] == (path.stat().st_size, path.stat().st_size, "bytes")


def test_a_damaged_gzip_file_is_a_clear_error(tmp_path, blog):
    text = disqus_xml(THREADS, [DisqusPost("1", "t1")])
    path = tmp_path / "disqus-export.xml.gz"
    path.write_bytes(gzip.compress(text.encode())[:-30])
    with pytest.raises(ImportFailed, match="gzip file is damaged"):
        import_comments(format="disqus", path=path)


def test_an_unverified_account_does_not_take_an_authors_comments(tmp_path, blog, alice):
    # Anyone can register with someone else's address; only a verified one
    # says the comments are theirs.
    run_import(tmp_path, [DisqusPost("1", "t1", email="alice@example.org")])

    assert imported("1").user is None
