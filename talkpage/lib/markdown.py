"""Markdown to safe HTML, for comments (untrusted) and articles (editors).

Rendering and sanitising are separate steps on purpose: markdown-it turns
text into HTML with raw HTML disabled, then nh3 (Ammonia) cleans that HTML
against an allowlist. Nothing touches the HTML after nh3, so what the
sanitiser approved is exactly what the browser gets.
"""

import nh3
from markdown_it import MarkdownIt

LINK_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

COMMENT_TAGS = {
    "p", "br", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "blockquote",
}  # fmt: skip
ARTICLE_TAGS = COMMENT_TAGS | {"h2", "h3", "h4", "hr", "sup", "sub", "del"}


def _comment_parser() -> MarkdownIt:
    # "zero" preset, then only what a comment needs: no headings, images,
    # tables or raw HTML.
    return MarkdownIt("zero", {"linkify": False, "breaks": True}).enable(
        [
            "emphasis",
            "link",
            "autolink",
            "backticks",
            "fence",
            "code",
            "list",
            "blockquote",
            "newline",
            "escape",
            "entity",
        ]
    )


_COMMENT_MD = _comment_parser()
_ARTICLE_MD = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


def render_comment(text: str) -> str:
    return sanitise_imported_html(_COMMENT_MD.render(text))


def sanitise_imported_html(html: str) -> str:
    """Comment HTML written elsewhere (a Disqus or WordPress export), cleaned
    against the very allowlist a rendered comment is: an imported comment
    can hold nothing that a posted one could not."""
    return nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes={"a": {"href", "title"}, "code": set()},
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL,
    )


def render_article(text: str) -> str:
    html = _ARTICLE_MD.render(text)
    return nh3.clean(
        html,
        tags=ARTICLE_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        url_schemes=LINK_SCHEMES,
        link_rel="noopener",
    )
