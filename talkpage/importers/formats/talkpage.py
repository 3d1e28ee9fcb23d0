"""Talkpage's own export (docs/export-format.md), read back as a stream.

The document is one JSON object: ``format`` and ``version`` first, then the
``sites``, ``articles`` and ``comments`` arrays, in that order. ijson hands
out one array item at a time, so a file of any size is read in the memory
of its largest item.
"""

import re
from collections.abc import Iterator
from datetime import datetime

import ijson

from talkpage.discussion.models import Status
from talkpage.importers.formats.common import iso_datetime
from talkpage.importers.records import (
    ImportFileError,
    Problem,
    Record,
    SourceComment,
    SourceName,
    SourceSite,
    SourceThread,
)
from talkpage.lib.markdown import sanitise_imported_html
from talkpage.moderation.models import Policy

FORMAT = "talkpage-export"
VERSION = 1
ARRAYS = {"sites.item": "site", "articles.item": "article", "comments.item": "comment"}
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class _BadField(ValueError):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def read(stream) -> Iterator[Record]:
    header: dict = {}
    counts = {"site": 0, "article": 0, "comment": 0}
    for kind, value in _top_level(stream):
        if kind == "header":
            name, scalar = value
            header[name] = scalar
            continue
        if not counts["site"] + counts["article"] + counts["comment"]:
            _check_header(header)
            base_url = header.get("base_url")
            base_url = base_url.rstrip("/") if isinstance(base_url, str) else ""
            yield SourceName(f"talkpage:{base_url}" if base_url else "talkpage")
        counts[kind] += 1
        yield from {"site": _site, "article": _article, "comment": _comment}[kind](
            value, counts[kind]
        )
    if not any(counts.values()):
        _check_header(header)


def _top_level(stream) -> Iterator[tuple[str, object]]:
    """("header", (key, value)) for the scalars at the top, then (kind, item)
    for each item of the three arrays."""
    events = ijson.parse(stream, use_float=True)
    builder = building = None
    try:
        first = next(events, None)
        if first != ("", "start_map", None):
            raise ImportFileError(
                f"not a Talkpage export: not a JSON object ({FORMAT})"
            )
        for prefix, event, value in events:
            if builder is not None:
                builder.event(event, value)
                if prefix == building and event in ("end_map", "end_array"):
                    yield ARRAYS[building], builder.value
                    builder = None
            elif prefix in ARRAYS and event in ("start_map", "start_array"):
                builder, building = ijson.ObjectBuilder(), prefix
                builder.event(event, value)
            elif prefix in ARRAYS:
                yield ARRAYS[prefix], value  # not an object: reported as such
            elif "." not in prefix and event in ("string", "number", "boolean", "null"):
                yield "header", (prefix, value)
    except ijson.JSONError as error:
        # yajl explains over several lines; the first says what is wrong.
        reason = (str(error).strip().splitlines() or ["unreadable"])[0]
        raise ImportFileError(f"not valid JSON ({reason})") from None
    except UnicodeDecodeError:
        raise ImportFileError("not valid JSON (not UTF-8 text)") from None


def _check_header(header: dict) -> None:
    if header.get("format") != FORMAT:
        raise ImportFileError(
            f'not a Talkpage export: it does not start with "format": "{FORMAT}"'
        )
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportFileError(f"the export has no version number ({version!r})")
    if version > VERSION:
        raise ImportFileError(
            f"the export is version {version}; this Talkpage reads version "
            f"{VERSION} and earlier: upgrade Talkpage first"
        )


def _site(item, number: int) -> Iterator[SourceSite | Problem]:
    where = f"site {number}"
    try:
        fields = _fields(item)
        key = _text(fields, "key", required=True)
        origins = fields.get("origins", [])
        if not isinstance(origins, list) or not all(
            isinstance(o, str) for o in origins
        ):
            raise _BadField("bad field", "origins must be a list of strings")
        yield SourceSite(key=key, name=_text(fields, "name"), origins=tuple(origins))
    except _BadField as error:
        yield Problem(where, error.kind, str(error), "ignored", skipped=False)


def _article(item, number: int) -> Iterator[SourceThread | Problem]:
    where = f"article {number}"
    try:
        fields = _fields(item)
        source_id = _id(fields, "id")
        where = f"article {number} (id {source_id})"
        slug = _text(fields, "slug", required=True)
        if not SLUG.match(slug) or len(slug) > 200:
            raise _BadField("bad field", f"slug {slug!r} is not a slug")
        policy = _text(fields, "moderation_policy")
        if policy and policy not in Policy.values:
            raise _BadField("bad field", f"unknown moderation policy {policy!r}")
        references = fields.get("references", [])
        if not isinstance(references, list) or not all(
            isinstance(r, str) for r in references
        ):
            raise _BadField("bad field", "references must be a list of strings")
        article = {
            "slug": slug,
            "title": _text(fields, "title", required=True)[:300],
            "summary": _text(fields, "summary"),
            "body_markdown": _text(fields, "body_markdown"),
            "references": references,
            "disclaimer": _text(fields, "disclaimer"),
            "published_at": _datetime(fields, "published_at"),
            "moderation_policy": policy,
            "site": _optional_text(fields, "site"),
            "page_url": _text(fields, "page_url"),
        }
    except _BadField as error:
        yield Problem(
            where,
            error.kind,
            str(error),
            "ignored: its comments are reported as in an unknown thread",
            skipped=False,
        )
        return
    yield SourceThread(
        source_id=source_id,
        url=article["page_url"],
        title=article["title"],
        article=article,
    )


def _comment(item, number: int) -> Iterator[SourceComment | Problem]:
    where = f"comment {number}"
    try:
        fields = _fields(item)
        source_id = _id(fields, "id")
        where = f"comment {number} (id {source_id})"
        status = _text(fields, "status", required=True)
        if status not in Status.values:
            raise _BadField("bad field", f"unknown status {status!r}")
        reasons = fields.get("moderation_reasons", [])
        if not isinstance(reasons, list) or not all(
            isinstance(r, str) for r in reasons
        ):
            raise _BadField("bad field", "moderation_reasons must be a list of strings")
        yield SourceComment(
            source_id=source_id,
            thread_id=_id(fields, "article"),
            position=where,
            created_at=_datetime(fields, "created_at"),
            edited_at=_optional_datetime(fields, "edited_at"),
            deleted_at=_optional_datetime(fields, "deleted_at"),
            reply_to=_optional_id(fields, "in_reply_to"),
            display_parent=_optional_id(fields, "parent"),
            body=_text(fields, "body"),
            body_html=sanitise_imported_html(_text(fields, "body_html")),
            username=_optional_text(fields, "username"),
            account_name=_text(fields, "account_name"),
            anonymous=_bool(fields, "anonymous"),
            author_name=_text(fields, "author_name"),
            status=status,
            moderation_reasons=reasons,
            spam_score=_number(fields, "spam_score", float),
            report_count=_number(fields, "report_count", int),
            upvotes=_number(fields, "upvotes", int),
            downvotes=_number(fields, "downvotes", int),
            best_score=_number(fields, "best_score", float),
        )
    except _BadField as error:
        yield Problem(where, error.kind, str(error), "skipped", skipped=True)


def _fields(item) -> dict:
    if not isinstance(item, dict):
        raise _BadField("not an object", f"found {type(item).__name__}")
    return item


def _id(fields: dict, name: str) -> str:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise _BadField("bad field", f"{name} must be an id, not {value!r}")
    return str(value)


def _optional_id(fields: dict, name: str) -> str:
    return "" if fields.get(name) is None else _id(fields, name)


def _text(fields: dict, name: str, *, required: bool = False) -> str:
    value = fields.get(name, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _BadField("bad field", f"{name} must be text, not {value!r}")
    return value


def _optional_text(fields: dict, name: str) -> str:
    return "" if fields.get(name) is None else _text(fields, name)


def _bool(fields: dict, name: str) -> bool:
    value = fields.get(name, False)
    if not isinstance(value, bool):
        raise _BadField("bad field", f"{name} must be true or false, not {value!r}")
    return value


def _number(fields: dict, name: str, kind: type):
    value = fields.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadField("bad field", f"{name} must be a number, not {value!r}")
    if kind is int and (value != int(value) or value < 0):
        raise _BadField("bad field", f"{name} must be a whole number, not {value!r}")
    return kind(value)


def _datetime(fields: dict, name: str) -> datetime:
    value = fields.get(name)
    if not isinstance(value, str):
        raise _BadField("bad date", f"{name} {value!r} is not a date and time")
    try:
        return iso_datetime(value)
    except ValueError as error:
        raise _BadField("bad date", f"{name} {error}") from None


def _optional_datetime(fields: dict, name: str) -> datetime | None:
    return None if fields.get(name) is None else _datetime(fields, name)
