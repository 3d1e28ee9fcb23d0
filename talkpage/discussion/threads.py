"""Reading a discussion: one page of threads, built in a fixed number of
queries whatever the size of the discussion.

Top-level comments are paged with a keyset cursor (created_at, id) over a
partial index, so page 200 costs what page 1 costs; the replies of the
threads on the page come in one more query through the ``root`` index.
"""

import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Status, Vote
from talkpage.discussion.viewers import Viewer

SORTS = ("oldest", "newest", "best")
DEFAULT_SORT = "oldest"


class BadCursor(ValueError):
    pass


@dataclass
class Node:
    comment: Comment
    # Whether this viewer may read the comment itself; a node it may not
    # read stays only as a placeholder above replies it may read.
    readable: bool = True
    children: list["Node"] = field(default_factory=list)

    def comment_ids(self) -> list[int]:
        return [self.comment.pk, *(i for c in self.children for i in c.comment_ids())]

    @property
    def shown(self) -> bool:
        return (self.readable and not self.comment.is_deleted) or bool(self.children)


@dataclass
class ThreadPage:
    threads: list[Node]
    sort: str
    next_cursor: str | None
    is_first_page: bool
    # The viewer's own comments still awaiting a moderator (first page only).
    awaiting: list[Comment] = field(default_factory=list)
    # The viewer's votes on the comments of this page: {comment id: +1/-1}.
    my_votes: dict[int, int] = field(default_factory=dict)


def encode_cursor(comment: Comment, sort: str = DEFAULT_SORT) -> str:
    if sort == "best":
        # The float's exact bits: a cursor must find the same row again.
        bits = struct.unpack(">Q", struct.pack(">d", comment.best_score))[0]
        return f"s{bits}.{comment.pk}"
    micros = int(comment.created_at.timestamp() * 1_000_000)
    return f"{micros}.{comment.pk}"


def decode_score_cursor(cursor: str) -> tuple[float, int]:
    bits, _, pk = cursor.removeprefix("s").partition(".")
    if not (cursor.startswith("s") and bits.isdigit() and pk.isdigit()):
        raise BadCursor(cursor)
    if len(cursor) > 40 or int(bits) >= 2**64:
        raise BadCursor(cursor)
    return struct.unpack(">d", struct.pack(">Q", int(bits)))[0], int(pk)


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, _, pk = cursor.partition(".")
    if not (micros.isdigit() and pk.isdigit()) or len(cursor) > 40:
        raise BadCursor(cursor)
    try:
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)
    except (OverflowError, ValueError, OSError):
        raise BadCursor(cursor) from None


def load_thread_page(
    article: Article, *, viewer: Viewer, sort: str = DEFAULT_SORT, after: str = ""
) -> ThreadPage:
    if sort not in SORTS:
        sort = DEFAULT_SORT
    per_page = settings.TALKPAGE_COMMENTS_PER_PAGE
    top_level = Comment.objects.filter(article=article).shown_top_level(
        include_hidden=viewer.is_moderator
    )
    if sort == "best":
        order = ["-best_score", "-id"]
        if after:
            score, pk = decode_score_cursor(after)
            top_level = top_level.filter(best_score__lte=score).exclude(
                best_score=score, id__gte=pk
            )
    elif sort == "newest":
        order = ["-created_at", "-id"]
        if after:
            created, pk = decode_cursor(after)
            top_level = top_level.filter(created_at__lte=created).exclude(
                created_at=created, id__gte=pk
            )
    else:
        order = ["created_at", "id"]
        if after:
            created, pk = decode_cursor(after)
            top_level = top_level.filter(created_at__gte=created).exclude(
                created_at=created, id__lte=pk
            )
    roots = list(top_level.select_related("user").order_by(*order)[: per_page + 1])
    next_cursor = (
        encode_cursor(roots[per_page - 1], sort) if len(roots) > per_page else None
    )
    roots = roots[:per_page]
    replies = _replies_of(roots)
    threads = _build_trees(roots, replies, viewer)
    in_place = {pk for node in threads for pk in node.comment_ids()}
    return ThreadPage(
        threads=threads,
        sort=sort,
        next_cursor=next_cursor,
        is_first_page=not after,
        awaiting=[] if after else awaiting_of(article, viewer, shown=in_place),
        my_votes=votes_of(viewer.voter_key, [c.pk for c in [*roots, *replies]]),
    )


def load_single_thread(root: Comment, *, viewer: Viewer) -> Node | None:
    trees = _build_trees([root], _replies_of([root]), viewer)
    return trees[0] if trees else None


def authors_of(threads: list[Node]) -> dict[int, int | None]:
    """Every comment in ``threads`` and its author's account (or None)."""
    authors: dict[int, int | None] = {}
    pending = list(threads)
    while pending:
        node = pending.pop()
        authors[node.comment.pk] = node.comment.user_id
        pending.extend(node.children)
    return authors


def votes_of(voter_key: str, comment_ids: list[int]) -> dict[int, int]:
    """The reader's own votes among ``comment_ids``, in one query."""
    if not voter_key or not comment_ids:
        return {}
    return dict(
        Vote.objects.filter(
            voter_key=voter_key, comment_id__in=comment_ids
        ).values_list("comment_id", "value")
    )


def awaiting_of(
    article: Article, viewer: Viewer, *, shown: Collection[int] = ()
) -> list[Comment]:
    """The viewer's own comments still awaiting a moderator that the page
    does not already show in place (``shown``): listed above the threads,
    marked, for their author only. Replies are included: a held reply has
    no place in a thread others read."""
    if viewer.user_id is None and not viewer.edit_tokens:
        return []
    mine = Q(pk__in=list(viewer.edit_tokens))
    if viewer.user_id is not None:
        mine |= Q(user_id=viewer.user_id)
    held = Comment.objects.filter(
        mine,
        article=article,
        status=Status.HELD,
        deleted_at__isnull=True,
    ).select_related("user", "in_reply_to", "in_reply_to__user")
    return [
        c
        for c in held.order_by("-created_at")[:20]
        if c.pk not in shown and c.readable_by(viewer)
    ]


def _replies_of(roots: list[Comment]) -> list[Comment]:
    """Every reply in the threads of ``roots``, each with the comment it
    answers at hand (shown as "in reply to NAME" past the deepest
    indentation). That comment is nearly always in the same thread, so it
    is taken from the rows already loaded: joining it (and its author) for
    every reply made this query cost twice as much."""
    if not roots:
        return []
    replies = list(
        Comment.objects.filter(root_id__in=[root.pk for root in roots])
        .exclude(status__in=[Status.SPAM, Status.REJECTED])
        .select_related("user")
        .order_by("created_at", "id")
    )
    loaded = {comment.pk: comment for comment in [*roots, *replies]}
    missing = {
        reply.in_reply_to_id
        for reply in replies
        if reply.in_reply_to_id is not None and reply.in_reply_to_id not in loaded
    }
    if missing:  # answers to comments since marked spam or rejected
        loaded.update(Comment.objects.select_related("user").in_bulk(missing))
    for reply in replies:
        answered = loaded.get(reply.in_reply_to_id)
        if answered is not None:
            reply.in_reply_to = answered
    return replies


def _build_trees(
    roots: list[Comment], replies: list[Comment], viewer: Viewer
) -> list[Node]:
    nodes = {c.pk: Node(c, readable=c.readable_by(viewer)) for c in roots}
    for reply in replies:
        nodes[reply.pk] = Node(reply, readable=reply.readable_by(viewer))
    for reply in replies:
        parent = nodes.get(reply.parent_id)
        if parent is not None:
            parent.children.append(nodes[reply.pk])
    return [node for node in (nodes[r.pk] for r in roots) if _prune(node)]


def _prune(node: Node) -> bool:
    """Drop what this viewer may not see and nothing below it needs."""
    node.children = [child for child in node.children if _prune(child)]
    return node.shown
