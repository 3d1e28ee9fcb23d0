"""Small readers of values that every format spells a little differently."""

from datetime import UTC, datetime

from talkpage.importers.html import text_of_clean_html
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
