"""Who is reading a discussion, and which anonymous comments they wrote.

An anonymous author proves authorship with the edit token of each comment,
kept in one HttpOnly cookie as ``id:token`` pairs. The cookie holds the
newest few dozen; the private manage link covers anything older.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EDIT_TOKENS_COOKIE = "talkpage_edit"
# A random id for a visitor who votes without an account (set on first vote).
VOTER_COOKIE = "talkpage_voter"
MAX_REMEMBERED_TOKENS = 40
TOKEN_COOKIE_AGE = 60 * 60 * 24 * 365


@dataclass
class Viewer:
    user_id: int | None = None
    username: str = ""
    is_moderator: bool = False
    edit_tokens: dict[int, str] = field(default_factory=dict)
    # Who this reader is for votes: "user:<id>", "visitor:<id>", or "".
    voter_key: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Viewer":
        user = request.user
        tokens = read_edit_tokens(request)
        if not user.is_authenticated:
            return cls(
                edit_tokens=tokens,
                voter_key=visitor_voter_key(request.COOKIES.get(VOTER_COOKIE, "")),
            )
        return cls(
            user_id=user.pk,
            username=user.username,
            is_moderator=user.is_moderator,
            edit_tokens=tokens,
            voter_key=f"user:{user.pk}",
        )


EDIT_TOKENS_HEADER = "HTTP_X_TALKPAGE_EDIT_TOKENS"  # noqa: S105 (a header name)
# The embed widget's visitor id, for votes (it cannot rely on our cookies).
VOTER_HEADER = "HTTP_X_TALKPAGE_VOTER"
# Django's message cookie: a reader with a message waiting must get a page
# rendered for them, or the message would be neither shown nor consumed.
MESSAGES_COOKIE = "messages"


def is_nobody_in_particular(request: HttpRequest) -> bool:
    """Whether the request carries nothing that could make its page differ
    from anyone else's: no session, no edit tokens, no voter id, no waiting
    message, no API token. Such readers share cached pages byte for byte."""
    cookies = request.COOKIES
    for name in (
        settings.SESSION_COOKIE_NAME,
        EDIT_TOKENS_COOKIE,
        VOTER_COOKIE,
        MESSAGES_COOKIE,
    ):
        if name in cookies:
            return False
    meta = request.META
    return not (
        meta.get("HTTP_AUTHORIZATION")
        or meta.get(EDIT_TOKENS_HEADER)
        or meta.get(VOTER_HEADER)
    )


def visitor_voter_key(visitor_id: str) -> str:
    """The voter key of a visitor's random id (from our cookie, or from the
    embed widget's header), or "" if the id is not one we could have made."""
    plain = visitor_id.replace("-", "").replace("_", "")
    if 16 <= len(visitor_id) <= 64 and plain.isascii() and plain.isalnum():
        return f"visitor:{visitor_id}"
    return ""


def read_edit_tokens(request: HttpRequest) -> dict[int, str]:
    """The edit tokens the reader holds: from our cookie, or (for the embed
    widget, which keeps them in the host page) from a header of the same
    ``id:token.id:token`` form."""
    tokens: dict[int, str] = {}
    held = request.COOKIES.get(EDIT_TOKENS_COOKIE, "")
    header = request.META.get(EDIT_TOKENS_HEADER, "")[:4000]
    for pair in f"{held}.{header}".split("."):
        comment_id, _, token = pair.partition(":")
        if comment_id.isdigit() and token and len(token) <= 64:
            tokens[int(comment_id)] = token
    return tokens


def remember_edit_token(
    request: HttpRequest, response: HttpResponse, comment_id: int, token: str
) -> None:
    tokens = read_edit_tokens(request)
    tokens.pop(comment_id, None)
    tokens[comment_id] = token
    newest = list(tokens.items())[-MAX_REMEMBERED_TOKENS:]
    response.set_cookie(
        EDIT_TOKENS_COOKIE,
        ".".join(f"{cid}:{tok}" for cid, tok in newest),
        max_age=TOKEN_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def remember_voter(response: HttpResponse, visitor_id: str) -> None:
    response.set_cookie(
        VOTER_COOKIE,
        visitor_id,
        max_age=TOKEN_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
