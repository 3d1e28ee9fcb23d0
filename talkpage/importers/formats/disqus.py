"""Disqus's XML export (Admin → Moderation → Export).

::

    <disqus xmlns="http://disqus.com"
            xmlns:dsq="http://disqus.com/disqus-internals">
      <category dsq:id="1">...</category>
      <thread dsq:id="7">
        <link>https://blog.example/a/</link><title>A</title>
        <createdAt>...</createdAt><isClosed>false</isClosed>
        <isDeleted>false</isDeleted>...
      </thread>
      <post dsq:id="42">
        <message><![CDATA[<p>Hello</p>]]></message>
        <createdAt>2013-01-02T03:04:05Z</createdAt>
        <isDeleted>false</isDeleted><isSpam>false</isSpam>
        <author><email/><name/><isAnonymous/><username/></author>
        <ipAddress>...</ipAddress>
        <thread dsq:id="7"/>
        <parent dsq:id="41"/>        (replies only)
      </post>
    </disqus>

Every thread comes before every post; a post may come before its parent.
Ids (``dsq:id``) are unique across all of Disqus. Addresses, website and
the Disqus username are not kept (see README, "Moving comments in and out").
"""

from collections.abc import Iterator
from xml.etree.ElementTree import Element

from talkpage.discussion.models import Status
from talkpage.importers.formats.common import body_from_html, iso_datetime, true
from talkpage.importers.formats.xml import ended_elements, text_of
from talkpage.importers.records import (
    Problem,
    Record,
    SourceComment,
    SourceName,
    SourceThread,
)

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def read(stream) -> Iterator[Record]:
    yield SourceName("disqus")
    threads = posts = 0
    for depth, element, ancestors in ended_elements(
        stream, what="Disqus export", root_tag=f"{NS}disqus"
    ):
        if depth != 2:
            continue
        if element.tag == f"{NS}thread":
            threads += 1
            yield _thread(element, threads)
        elif element.tag == f"{NS}post":
            posts += 1
            yield from _post(element, posts)
        ancestors[-1].remove(element)


def _thread(element: Element, index: int) -> SourceThread | Problem:
    source_id = (element.get(DSQ_ID) or "").strip()
    if not source_id:
        return Problem(
            f"thread {index}",
            "no dsq:id",
            "",
            "ignored: posts cannot refer to it",
            skipped=False,
        )
    return SourceThread(
        source_id=source_id,
        url=text_of(element.find(f"{NS}link")).strip(),
        title=text_of(element.find(f"{NS}title")).strip(),
    )


def _post(element: Element, index: int) -> Iterator[SourceComment | Problem]:
    source_id = (element.get(DSQ_ID) or "").strip()
    where = f"post {index}" + (f" (dsq:id {source_id})" if source_id else "")
    if not source_id:
        yield Problem(where, "no dsq:id", "", "skipped", skipped=True)
        return
    thread = element.find(f"{NS}thread")
    thread_id = (thread.get(DSQ_ID) or "").strip() if thread is not None else ""
    if not thread_id:
        yield Problem(where, "no thread", "no <thread dsq:id>", "skipped", skipped=True)
        return
    try:
        created_at = iso_datetime(text_of(element.find(f"{NS}createdAt")))
    except ValueError as error:
        yield Problem(where, "bad date", str(error), "skipped", skipped=True)
        return
    parent = element.find(f"{NS}parent")
    author = element.find(f"{NS}author")
    comment = SourceComment(
        source_id=source_id,
        thread_id=thread_id,
        position=where,
        created_at=created_at,
        body="",
        body_html="",
        reply_to=(parent.get(DSQ_ID) or "").strip() if parent is not None else "",
    )
    if true(text_of(element.find(f"{NS}isSpam"))):
        comment.status = Status.SPAM
        comment.moderation_reasons = ["marked as spam in Disqus"]
    if true(text_of(element.find(f"{NS}isDeleted"))):
        # Disqus keeps a deleted post's words in the export; we do not.
        comment.deleted_at = created_at
        yield comment
        return
    comment.body, comment.body_html = body_from_html(
        text_of(element.find(f"{NS}message"))
    )
    if author is not None:
        comment.author_name = text_of(author.find(f"{NS}name")).strip()
        comment.email = text_of(author.find(f"{NS}email")).strip()
    if not comment.body.strip():
        comment.deleted_at = created_at
        comment.body = comment.body_html = comment.author_name = ""
        yield Problem(
            where,
            "no message",
            "",
            "kept as a deleted placeholder, so replies keep their place",
            skipped=False,
        )
    yield comment
