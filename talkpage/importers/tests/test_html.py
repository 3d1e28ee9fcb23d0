"""Imported HTML as the text an author would edit."""

from talkpage.importers.html import html_to_text, paragraphs_from_newlines


def test_paragraphs_and_line_breaks_become_blank_lines_and_newlines():
    assert html_to_text("<p>One<br>two</p>\n<p>Three</p>") == "One\ntwo\n\nThree"


def test_links_are_kept_as_markdown_and_unsafe_ones_as_their_text():
    html = (
        '<a href="https://a.example/x">this</a>, <a href="https://b.example">'
        'https://b.example</a> and <a href="javascript:alert(1)">that</a>'
    )
    assert html_to_text(html) == (
        "[this](https://a.example/x), <https://b.example> and that"
    )


def test_emphasis_code_quotes_and_lists_become_markdown():
    html = (
        "<blockquote><p>quoted</p><p>on</p></blockquote>"
        "<p>It&#8217;s <em>fine</em>, <strong>really</strong> <code>x = 1</code></p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>"
        "<pre>code\n  indented</pre>"
    )
    assert html_to_text(html) == (
        "> quoted\n>\n> on\n\nIt\u2019s *fine*, **really** `x = 1`\n\n"
        "- one\n- two\n\n1. three\n\n```\ncode\n  indented\n```"
    )


def test_the_text_shows_what_the_page_shows():
    # <i>, <b> and <h1> are not in the comment allowlist: the page shows
    # their words plainly, and so does the text.
    assert html_to_text("<h1>Big</h1><p><i>a</i> <b>b</b></p>") == "Big\n\na b"


def test_scripts_and_styles_are_not_text():
    assert html_to_text("<p>a<script>alert(1)</script><style>p{}</style>b</p>") == "ab"


def test_unclosed_tags_are_closed_as_a_browser_would():
    html = '<p>open <em>emphasis <a href="https://x.example">link'
    assert html_to_text(html) == "open *emphasis [link](https://x.example)*"


def test_wordpress_newlines_become_paragraphs_but_blocks_stay_as_they_are():
    assert paragraphs_from_newlines(
        "Hi\nthere\r\n\r\nNext\n\n<blockquote>q</blockquote>"
    ) == ("<p>Hi<br>\nthere</p>\n<p>Next</p>\n<blockquote>q</blockquote>")
