"""Whatever a commenter types, the HTML we store is safe."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from talkpage.lib.markdown import render_comment

DANGEROUS_PIECES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)",
    "<a href='javascript:alert(1)'>x</a>",
    "<iframe src=//evil>",
    '<div style="background:url(javascript:x)">',
    "<svg onload=alert(1)>",
    "https://ok.example",
    "[fine](https://ok.example)",
    "`code`",
    "> quote",
    "\n\n",
    "*",
    "]",
    "(",
    "<",
    '"',
]

TAG = re.compile(r"<\s*([a-zA-Z0-9]+)([^>]*)>")
ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "blockquote"
}  # fmt: skip


def assert_safe(html: str) -> None:
    for name, attributes in TAG.findall(html):
        assert name.lower() in ALLOWED_TAGS, html
        if name == "a":
            href = re.search(r'href="([^"]*)"', attributes)
            assert href is None or re.match(r"(https?:|mailto:)", href.group(1)), html
            assert 'rel="nofollow ugc noopener"' in attributes, html
        else:
            assert attributes.strip() == "", html


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DANGEROUS_PIECES) | st.text(max_size=20), max_size=8))
def test_rendered_comments_contain_only_allowed_markup(pieces):
    assert_safe(render_comment("".join(pieces)))


def test_allowed_markdown_survives():
    html = render_comment(
        "*em* **strong** `code`\n\n- one\n- two\n\n> quoted\n\n"
        "[link](https://example.org) <https://auto.example>\n\n```\nblock\n```"
    )
    for fragment in (
        "<em>em</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
        "<li>one</li>",
        "<blockquote>",
        '<a href="https://example.org" rel="nofollow ugc noopener">link</a>',
        '<a href="https://auto.example" rel="nofollow ugc noopener">',
        "<pre><code>block",
    ):
        assert fragment in html


def test_headings_images_and_raw_html_are_not_rendered():
    html = render_comment("# Big\n\n![img](https://x.example/a.png)\n\n<b>raw</b>")
    assert "<h1>" not in html
    assert "<img" not in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html
