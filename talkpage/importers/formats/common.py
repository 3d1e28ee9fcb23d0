"""Small readers of values that every format spells a little differently."""

from datetime import UTC, datetime

from talkpage.importers.html import text_of_clean_html
from talkpage.importers.records import Problem, SourceComment
from talkpage.lib.markdown import sanitise_imported_html


def iso_datetime(value: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is UTC (exports are in
    UTC). Raises ValueError for anything else, with the value."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def true(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes"}


def body_from_html(html: str) -> tuple[str, str]:
    """(body, body_html) of a comment written as HTML elsewhere: the text
    is read from the sanitised HTML, so it shows what the page shows."""
    clean = sanitise_imported_html(html)
    return text_of_clean_html(clean), clean


def placeholder_if_empty(comment: SourceComment, where: str) -> Problem | None:
    """A comment with no words is kept as a deleted placeholder, so that its
    replies keep their place; the problem to report, if so."""
    if comment.body.strip():
        return None
    comment.deleted_at = comment.created_at
    comment.body = comment.body_html = comment.author_name = ""
    return Problem(
        where,
        "no text",
        "",
        "kept as a deleted placeholder, so replies keep their place",
        skipped=False,
    )
