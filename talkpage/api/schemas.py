"""The shapes the JSON API reads and writes (they make the OpenAPI spec)."""

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import StringConstraints

# Text from a client: any string without NUL characters, which no person
# types and PostgreSQL cannot store. Declared in the spec, so clients (and
# the fuzzer) know a NUL is refused with 400.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


class In(Schema):
    """A request body."""


class Error(Schema):
    error: str
    detail: str | list | dict | None = None


class Author(Schema):
    name: str
    # True when the name is not an account's (a visitor, or Anonymous).
    anonymous: bool


class CommentOut(Schema):
    id: int
    url: str
    author: Author
    html: str
    created_at: datetime
    edited_at: datetime | None
    status: str
    deleted: bool
    in_reply_to: int | None
    # Only for the viewer who may edit (their own comment).
    can_edit: bool
    # The Markdown source, for the viewer who may edit it; null otherwise.
    text: str | None = None
    upvotes: int
    downvotes: int
    # The viewer's own vote: 1, -1 or 0.
    my_vote: int
    replies: list["CommentOut"]


class ArticleOut(Schema):
    slug: str
    title: str
    url: str
    comment_count: int
    policy: str


class ThreadOut(Schema):
    # Null for an embedded page nobody has commented on yet.
    article: ArticleOut | None
    sort: str
    comments: list[CommentOut]
    # Pass as ``after`` for the next page; null on the last page.
    next_cursor: str | None
    # The viewer's own comments awaiting moderation (first page only).
    awaiting: list[CommentOut]


class CountsOut(Schema):
    counts: dict[str, int]


class MeOut(Schema):
    authenticated: bool
    username: str | None
    is_moderator: bool


class CommentIn(In):
    text: Text
    # For visitors without an account: the name to show (optional).
    name: Text = ""
    # For members: show "Anonymous" instead of the username.
    anonymous: bool = False
    reply_to: int | None = None
    # "Email me when someone replies". A member's replies go to their
    # account's address; anyone else gives `email`, which is never shown
    # and is used only after its owner confirms it by a mailed link.
    notify: bool = False
    email: Text = ""


class PageCommentIn(CommentIn):
    # The page's title, used when this comment starts its thread.
    title: Text = ""


class CommentEditIn(In):
    text: Text


class PostedOut(Schema):
    comment: CommentOut
    # "published", or "held" while a moderator looks at it.
    status: str
    # Anonymous posters only, returned once: keep it to edit or delete.
    edit_token: str | None = None


class ReportIn(In):
    reason: Text
    note: Text = ""


class Done(Schema):
    ok: bool


class VoteIn(In):
    # 1 up, -1 down, 0 to take a vote back.
    value: int


class VoteOut(Schema):
    upvotes: int
    downvotes: int
    my_vote: int


class SsoIn(In):
    site: Text
    payload: Text


class SignedInOut(Schema):
    # Send as "Authorization: Bearer <token>".
    token: str
    username: str
