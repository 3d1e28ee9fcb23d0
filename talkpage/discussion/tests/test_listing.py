"""Showing a discussion: pages, sorting, and a cost that does not grow."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from talkpage.discussion.models import Comment
from talkpage.discussion.services import post_comment
from talkpage.lib.markdown import render_comment

pytestmark = pytest.mark.django_db


def bulk_comments(article, count: int, *, replies_each: int = 0) -> list[Comment]:
    """Many comments fast: the services are tested elsewhere, this is bulk."""
    start = timezone.now() - timedelta(days=30)
    roots = Comment.objects.bulk_create(
        Comment(
            article=article,
            author_name=f"Reader {n}",
            body=f"Comment number {n}",
            body_html=render_comment(f"Comment number {n}"),
            created_at=start + timedelta(seconds=n),
            reply_count=replies_each,
        )
        for n in range(count)
    )
    replies = [
        Comment(
            article=article,
            parent=root,
            root=root,
            in_reply_to=root,
            depth=1,
            author_name="Replier",
            body=f"Reply {i} to {root.pk}",
            body_html=render_comment(f"Reply {i}"),
            created_at=root.created_at + timedelta(milliseconds=i + 1),
        )
        for root in roots
        for i in range(replies_each)
    ]
    Comment.objects.bulk_create(replies)
    article.comment_count = count * (1 + replies_each)
    article.save(update_fields=["comment_count"])
    return roots


def queries_to_open(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_opening_a_huge_discussion_costs_the_same_queries_as_a_small_one(
    client, article, other_article
):
    bulk_comments(article, 10, replies_each=1)
    bulk_comments(other_article, 5000, replies_each=1)  # 10,000 comments
    small = queries_to_open(client, article.get_absolute_url())
    huge = queries_to_open(client, other_article.get_absolute_url())
    assert small == huge
    # Built from the database: the article's stamp, the article, the policy,
    # the top-level page and its replies. Served from the cache: 1 (test_cache).
    assert huge <= 5


def test_signed_in_reader_costs_a_fixed_number_of_queries_too(
    client, alice, article, other_article
):
    client.force_login(alice)
    bulk_comments(article, 5)
    bulk_comments(other_article, 2000, replies_each=1)
    small = queries_to_open(client, article.get_absolute_url())
    huge = queries_to_open(client, other_article.get_absolute_url())
    assert small == huge


def test_home_page_queries_do_not_grow_with_comments(client, article, other_article):
    before = queries_to_open(client, "/")
    bulk_comments(article, 500)
    assert queries_to_open(client, "/") == before


def test_first_page_shows_fifty_threads_oldest_first(client, article):
    bulk_comments(article, 120)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Comment number 0<" in html
    assert "Comment number 49<" in html
    assert "Comment number 50<" not in html
    assert "More comments" in html


def test_following_more_comments_walks_every_thread_once(client, article):
    bulk_comments(article, 120)
    seen = []
    url = article.get_absolute_url() + "?sort=oldest"
    pages = 0
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [node.comment.body for node in page.threads]
        url = (
            f"{article.get_absolute_url()}?sort=oldest&after={page.next_cursor}"
            if page.next_cursor
            else None
        )
        pages += 1
    assert pages == 3
    assert seen == [f"Comment number {n}" for n in range(120)]


def test_newest_first_pages_backwards_through_time(client, article):
    bulk_comments(article, 75)
    first = client.get(article.get_absolute_url() + "?sort=newest").context["page"]
    second = client.get(
        article.get_absolute_url() + f"?sort=newest&after={first.next_cursor}"
    ).context["page"]
    bodies = [n.comment.body for n in first.threads + second.threads]
    assert bodies == [f"Comment number {n}" for n in reversed(range(75))]
    assert second.next_cursor is None


def test_comments_with_the_same_timestamp_are_not_skipped(client, article, settings):
    settings.TALKPAGE_COMMENTS_PER_PAGE = 2
    moment = timezone.now()
    Comment.objects.bulk_create(
        Comment(article=article, body=f"same {n}", body_html="", created_at=moment)
        for n in range(5)
    )
    seen, after = [], ""
    for _ in range(5):
        page = client.get(article.get_absolute_url() + f"?after={after}").context[
            "page"
        ]
        seen += [node.comment.body for node in page.threads]
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert sorted(seen) == [f"same {n}" for n in range(5)]


def test_replies_come_with_their_thread(client, article):
    bulk_comments(article, 3, replies_each=2)
    page = client.get(article.get_absolute_url()).context["page"]
    assert [len(node.children) for node in page.threads] == [2, 2, 2]


@pytest.mark.parametrize(
    "cursor", ["garbage", "1.2.3", "-5.1", "99999999999999999999999.1", "1." + "9" * 50]
)
def test_bad_cursor_is_a_clear_400(client, article, cursor):
    response = client.get(article.get_absolute_url() + f"?after={cursor}")
    assert response.status_code == 400
    assert "first page" in response.content.decode()


def test_unknown_sort_falls_back_to_the_default(client, article):
    post_comment(article=article, user=None, text="hello")
    response = client.get(article.get_absolute_url() + "?sort=<script>")
    assert response.status_code == 200
    assert response.context["page"].sort == "oldest"
    assert "<script>" not in response.content.decode().split("<main")[1]
