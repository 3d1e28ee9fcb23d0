import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkpage.lib.markdown import COMMENT_TAGS, render_article, render_comment

SAFE_SCHEMES = ("http:", "https:", "mailto:")

DANGEROUS_LINKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](\\javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VbScRiPt:msgbox(1))",
    "[x](&#118;bscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,hi>",
    "<vbscript:msgbox(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x][1]\n\n[1]: javascript:alert(1)",
]


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict]]:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def scheme_of(url: str) -> str | None:
    """The scheme a browser reads in ``url`` (WHATWG URL parsing), if any."""
    url = url.strip("".join(map(chr, range(0x21))))
    url = re.sub("[\t\n\r]", "", url)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() + ":" if match else None


def assert_links_are_safe(html: str) -> None:
    for _, attrs in parse(html):
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            if name in {"href", "src"}:
                assert scheme_of(value or "") in {*SAFE_SCHEMES, None}, html


@pytest.mark.parametrize("text", DANGEROUS_LINKS)
@pytest.mark.parametrize("render", [render_comment, render_article])
def test_dangerous_links_are_dropped(text, render):
    html = render(text)

    # The words may stay as text; what must go is the link.
    assert_links_are_safe(html)


@pytest.mark.parametrize(
    "text",
    ["[x](https://ok.example/)", "<https://ok.example/>", "[x](mailto:a@ok.example)"],
)
def test_good_links_stay_with_rel_nofollow_ugc_noopener(text):
    ((tag, attrs),) = [t for t in parse(render_comment(text)) if t[0] == "a"]

    assert attrs["href"].startswith(("https://ok.example/", "mailto:a@ok.example"))
    assert attrs["rel"] == "nofollow ugc noopener"


def test_a_comment_cannot_choose_its_own_rel():
    html = render_comment('[x](https://ok.example/ "t")')

    ((_, attrs),) = [t for t in parse(html) if t[0] == "a"]
    assert attrs["rel"] == "nofollow ugc noopener"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ('<b onclick="x()">bold</b>', '&lt;b onclick="x()"&gt;bold&lt;/b&gt;'),
        ("<iframe src=//evil.example>", "&lt;iframe src=//evil.example&gt;"),
        ("<!-- hidden -->", "&lt;!-- hidden --&gt;"),
    ],
)
@pytest.mark.parametrize("render", [render_comment, render_article])
def test_raw_html_is_shown_as_text(text, shown, render):
    html = render(text)

    assert shown in html
    assert [tag for tag, _ in parse(html)] == ["p"]


def test_comments_get_only_simple_formatting():
    html = render_comment(
        "# Title\n\n![img](https://ok.example/x.png)\n\n| a |\n|---|\n| b |"
    )

    assert {tag for tag, _ in parse(html)} <= COMMENT_TAGS
    assert "<h1" not in html and "<img" not in html and "<table" not in html


def test_formatting_survives():
    html = render_comment("**bold** _em_ `code`\n\n> quote\n\n- item")

    for tag in ("strong", "em", "code", "blockquote", "li"):
        assert f"<{tag}>" in html


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("<>\"'`=:/&#;()[]!*_-\\ \n\tabcjsvptrxhdAJSV01")
            + ["javascript:", "data:", "vbscript:", "&#106;", "&colon;", "<a href="]
            + ["onerror=", "](", "https://", "%0a", "&#x09;"]
        ),
        max_size=40,
    ).map("".join)
)
def test_no_input_yields_unsafe_html(text):
    html = render_comment(text)

    for tag, attrs in parse(html):
        assert tag in COMMENT_TAGS
        assert set(attrs) <= {"href", "title", "rel"}
    assert_links_are_safe(html)
