"""WordPress's export (Tools → Export), WXR 1.0 to 1.2: RSS with ``wp:``.

::

    <rss xmlns:wp="http://wordpress.org/export/1.2/" ...>
      <channel>
        <wp:base_site_url>https://blog.example</wp:base_site_url>
        <item>
          <title>Hello</title><link>https://blog.example/hello/</link>
          <wp:post_id>12</wp:post_id><wp:post_name>hello</wp:post_name>
          <wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
          <wp:comment>
            <wp:comment_id>3</wp:comment_id>
            <wp:comment_author><![CDATA[Ann]]></wp:comment_author>
            <wp:comment_author_email>...</wp:comment_author_email>
            <wp:comment_date_gmt>2019-03-04 12:34:56</wp:comment_date_gmt>
            <wp:comment_content><![CDATA[Text as typed]]></wp:comment_content>
            <wp:comment_approved>1</wp:comment_approved>  (0, spam, trash)
            <wp:comment_type>comment</wp:comment_type>    (pingback, trackback)
            <wp:comment_parent>0</wp:comment_parent>
            ...
          </wp:comment>
        </item>
      </channel>
    </rss>

Comment ids are unique within one blog only, so the source is named after
the blog's address. WordPress's trash ("trash", and "post-trashed" for the
comments of a trashed post) becomes *rejected*: the words stay for a
moderator, who can restore them, as in WordPress, and readers never see
them. Author addresses, websites and WordPress user ids are not kept.
"""

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from talkpage.discussion.models import Status
from talkpage.importers.formats.common import (
    body_from_html,
    iso_datetime,
    placeholder_if_empty,
)
from talkpage.importers.formats.xml import ended_elements, split_tag, text_of
from talkpage.importers.html import paragraphs_from_newlines
from talkpage.importers.records import (
    Problem,
    Record,
    SkippedByType,
    SourceComment,
    SourceName,
    SourceThread,
)

WP_NAMESPACE = "http://wordpress.org/export/"
COMMENT_TYPES = {"", "comment", "review"}
NOT_COMMENTS = {"pingback", "trackback"}
APPROVAL = {
    "1": (Status.PUBLISHED, []),
    "0": (Status.HELD, ["awaiting moderation in WordPress"]),
    "spam": (Status.SPAM, ["marked as spam in WordPress"]),
    "trash": (Status.REJECTED, ["in WordPress's trash"]),
    "post-trashed": (Status.REJECTED, ["in WordPress's trash with its post"]),
}
ITEM_FIELDS = {"title", "link", "post_id", "post_name", "post_type", "status"}
BLOG_ADDRESS_FIELDS = ("base_blog_url", "base_site_url", "link")


def read(stream) -> Iterator[Record]:
    blog: dict[str, str] = {}
    named = False
    item: dict[str, str] = {}
    thread_sent = False
    items = comments = 0
    for depth, element, ancestors in ended_elements(
        stream, what="WordPress export (WXR)", root_tag="rss"
    ):
        local = _wp_name(element) or split_tag(element.tag)[1]
        if depth == 3 and local != "item":
            if local in BLOG_ADDRESS_FIELDS and not blog.get(local):
                blog[local] = text_of(element).strip()
            ancestors[-1].remove(element)
        elif depth == 3:
            items += 1
            item, thread_sent = {}, False
            ancestors[-1].remove(element)
        elif depth == 4 and ancestors[-1].tag == "item":
            if local in ITEM_FIELDS and _is_item_field(element):
                item[local] = text_of(element).strip()
            elif local == "comment" and _wp_name(element):
                comments += 1
                if not named:
                    yield SourceName(_source_name(blog))
                    named = True
                thread = _thread(item, items + 1)
                if not thread_sent:
                    yield thread
                    thread_sent = True
                yield from _comment(element, comments, thread.source_id)
            ancestors[-1].remove(element)
    if not named:
        yield SourceName(_source_name(blog))


def _wp_name(element: Element) -> str:
    """The local name of a ``wp:`` element, "" for any other."""
    namespace, local = split_tag(element.tag)
    return local if namespace.startswith(WP_NAMESPACE) else ""


def _is_item_field(element: Element) -> bool:
    # <title> and <link> are plain RSS; the rest are wp: fields.
    namespace, local = split_tag(element.tag)
    return (namespace == "" and local in {"title", "link"}) or bool(_wp_name(element))


def _source_name(blog: dict[str, str]) -> str:
    for name in BLOG_ADDRESS_FIELDS:
        if blog.get(name):
            return f"wordpress:{blog[name].rstrip('/')}"
    return "wordpress"


def _thread(item: dict[str, str], number: int) -> SourceThread:
    source_id = item.get("post_id") or item.get("link") or f"item {number}"
    return SourceThread(
        source_id=source_id, url=item.get("link", ""), title=item.get("title", "")
    )


def _comment(
    element: Element, number: int, thread_id: str
) -> Iterator[SourceComment | Problem | SkippedByType]:
    fields = {_wp_name(child): text_of(child) for child in element if _wp_name(child)}
    source_id = fields.get("comment_id", "").strip()
    where = f"comment {number}" + (f" (wp:comment_id {source_id})" if source_id else "")
    kind = fields.get("comment_type", "").strip().lower()
    if kind in NOT_COMMENTS:
        yield SkippedByType(where, kind)
        return
    if kind not in COMMENT_TYPES:
        yield Problem(where, "not a comment", f"type {kind!r}", "skipped", skipped=True)
        return
    if not source_id:
        yield Problem(where, "no wp:comment_id", "", "skipped", skipped=True)
        return
    try:
        created_at = iso_datetime(fields.get("comment_date_gmt", ""))
    except ValueError as error:
        yield Problem(where, "bad date", str(error), "skipped", skipped=True)
        return
    approved = fields.get("comment_approved", "").strip()
    status, reasons = APPROVAL.get(approved.lower(), (None, None))
    if status is None:
        status, reasons = Status.HELD, [f"approval {approved!r} in WordPress"]
        yield Problem(
            where,
            "unknown approval",
            f"wp:comment_approved {approved!r}",
            "held for moderation",
            skipped=False,
        )
    parent = fields.get("comment_parent", "").strip()
    body, body_html = body_from_html(
        paragraphs_from_newlines(fields.get("comment_content", ""))
    )
    comment = SourceComment(
        source_id=source_id,
        thread_id=thread_id,
        position=where,
        created_at=created_at,
        body=body,
        body_html=body_html,
        reply_to="" if parent in ("", "0") else parent,
        author_name=fields.get("comment_author", "").strip(),
        email=fields.get("comment_author_email", "").strip(),
        status=status,
        moderation_reasons=list(reasons),
    )
    if problem := placeholder_if_empty(comment, where):
        yield problem
    yield comment
