"""What a reader of an export hands to the import, whatever the format.

Each reader (``formats/``) turns one kind of file into a stream of these
records, in file order: the source's name first, then threads (and, for
Talkpage's own exports, sites), then comments. A record it cannot make
sense of becomes a :class:`Problem` in the stream instead, so one bad
record never stops the rest.
"""

from dataclasses import dataclass, field
from datetime import datetime

from talkpage.discussion.models import Status


class ImportFileError(Exception):
    """A file that cannot be read at all (or no further), in one line."""


@dataclass(frozen=True)
class SourceName:
    """Where ids of this file are unique: "disqus", "wordpress:<blog URL>"."""

    key: str


@dataclass(frozen=True)
class SourceSite:
    """A site of a Talkpage export: enough to re-create its embed threads."""

    key: str
    name: str
    origins: tuple[str, ...]


@dataclass(frozen=True)
class SourceThread:
    """A page with comments: an address to map, or (Talkpage exports) the
    article itself."""

    source_id: str
    url: str = ""
    title: str = ""
    # Talkpage exports: the article's fields, as written by the export.
    article: dict | None = None


@dataclass
class SourceComment:
    source_id: str
    thread_id: str
    # Where the record is in the file, for messages: "post 12".
    position: str
    created_at: datetime
    body: str
    body_html: str
    # The comment answered, by source id ("" for a top-level comment).
    reply_to: str = ""
    # Talkpage exports: the comment it is displayed under.
    display_parent: str = ""
    author_name: str = ""
    # Only to find the author's account here; never stored.
    email: str = ""
    # Talkpage exports: the account it was posted from, and that account's
    # name then (shown instead when no account has the username here).
    username: str = ""
    account_name: str = ""
    anonymous: bool = False
    status: str = Status.PUBLISHED
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    moderation_reasons: list[str] = field(default_factory=list)
    spam_score: float = 0.0
    report_count: int = 0
    upvotes: int = 0
    downvotes: int = 0
    best_score: float | None = None


@dataclass(frozen=True)
class Problem:
    """A record that is wrong in the file, and what the import did about it.

    ``kind`` is the short name the summary counts by ("bad date");
    ``skipped`` says whether the record was left out.
    """

    where: str
    kind: str
    detail: str
    outcome: str
    skipped: bool

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.where}: {self.kind}{detail} ({self.outcome})"


@dataclass(frozen=True)
class SkippedByType:
    """A record that is not a comment (a WordPress pingback): counted apart."""

    position: str
    kind: str


Record = (
    SourceName | SourceSite | SourceThread | SourceComment | Problem | SkippedByType
)
