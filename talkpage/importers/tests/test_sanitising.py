"""Imported HTML is cleaned like any comment: nothing an attacker wrote in
an export reaches a reader's browser."""

import json
import re

import pytest

from talkpage.discussion.models import Comment
from talkpage.importers.services import import_comments
from talkpage.importers.tests.exports import (
    DisqusPost,
    WordPressComment,
    WordPressItem,
    disqus_xml,
    wordpress_xml,
    write,
)

pytestmark = pytest.mark.django_db

HOSTILE = (
    "<p>Nice post<script>alert(document.cookie)</script></p>"
    '<p><a href="javascript:alert(1)">click</a> '
    '<a href="JaVaScRiPt:alert(2)" onclick="alert(3)">me</a> '
    '<a href="https://fine.example/" onmouseover="alert(4)">fine</a></p>'
    '<img src="x" onerror="alert(5)"><iframe src="https://evil.example"></iframe>'
    '<p style="background:url(javascript:alert(6))">styled</p>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>'
)


def assert_harmless(comment: Comment) -> None:
    html = comment.body_html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "alert(" not in html
    assert not re.search(r"\son\w+=", html)
    assert "<img" not in html and "<iframe" not in html
    assert "style=" not in html
    assert "data:" not in html
    assert '<a href="https://fine.example/" rel="nofollow ugc noopener">fine</a>' in (
        comment.body_html
    )


def test_scripts_and_script_links_in_disqus_html_never_reach_the_page(tmp_path, blog):
    path = write(
        tmp_path / "disqus.xml",
        disqus_xml(
            [("t1", "https://blog.example/a/", "A")],
            [DisqusPost("1", "t1", message=HOSTILE)],
        ),
    )
    import_comments(format="disqus", path=path)
    comment = Comment.objects.get()
    assert_harmless(comment)
    # The words stay, as text, and the safe link as Markdown.
    assert "click" in comment.body and "me" in comment.body
    assert "[fine](https://fine.example/)" in comment.body
    assert "javascript" not in comment.body.lower()


def test_scripts_and_script_links_in_wordpress_comments_never_reach_the_page(
    tmp_path, blog
):
    item = WordPressItem(
        post_id="1",
        link="https://blog.example/a/",
        comments=[WordPressComment("1", content=HOSTILE)],
    )
    path = write(tmp_path / "wordpress.xml", wordpress_xml([item]))
    import_comments(format="wordpress", path=path)
    assert_harmless(Comment.objects.get())


def test_html_in_a_talkpage_export_is_cleaned_again(tmp_path, article):
    document = {
        "format": "talkpage-export",
        "version": 1,
        "sites": [],
        "articles": [
            {
                "id": 1,
                "slug": "magnesium",
                "title": "Magnesium?",
                "body_markdown": "x",
                "published_at": "2026-01-01T00:00:00+00:00",
            }
        ],
        "comments": [
            {
                "id": 1,
                "article": 1,
                "body": "hi",
                "body_html": HOSTILE,
                "status": "published",
                "created_at": "2026-01-02T00:00:00+00:00",
            }
        ],
    }
    path = write(tmp_path / "export.json", json.dumps(document))
    import_comments(format="talkpage", path=path)
    assert_harmless(Comment.objects.get())
