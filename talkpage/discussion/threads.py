"""Reading a discussion: one page of threads, built in a fixed number of
queries whatever the size of the discussion.

Top-level comments are paged with a keyset cursor (created_at, id) over a
partial index, so page 200 costs what page 1 costs; the replies of the
threads on the page come in one more query through the ``root`` index.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment

SORTS = ("oldest", "newest")
DEFAULT_SORT = "oldest"


class BadCursor(ValueError):
    pass


@dataclass
class Node:
    comment: Comment
    children: list["Node"] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.comment.is_deleted or bool(self.children)


@dataclass
class ThreadPage:
    threads: list[Node]
    sort: str
    next_cursor: str | None
    is_first_page: bool


def encode_cursor(comment: Comment) -> str:
    micros = int(comment.created_at.timestamp() * 1_000_000)
    return f"{micros}.{comment.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, _, pk = cursor.partition(".")
    if not (micros.isdigit() and pk.isdigit()) or len(cursor) > 40:
        raise BadCursor(cursor)
    try:
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)
    except (OverflowError, ValueError, OSError):
        raise BadCursor(cursor) from None


def load_thread_page(
    article: Article, *, sort: str = DEFAULT_SORT, after: str = ""
) -> ThreadPage:
    if sort not in SORTS:
        sort = DEFAULT_SORT
    per_page = settings.TALKPAGE_COMMENTS_PER_PAGE
    top_level = Comment.objects.filter(article=article).shown_top_level()
    if sort == "newest":
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
    next_cursor = encode_cursor(roots[per_page - 1]) if len(roots) > per_page else None
    roots = roots[:per_page]
    replies = _replies_of([r.pk for r in roots])
    return ThreadPage(
        threads=_build_trees(roots, replies),
        sort=sort,
        next_cursor=next_cursor,
        is_first_page=not after,
    )


def load_single_thread(root: Comment) -> Node | None:
    trees = _build_trees([root], _replies_of([root.pk]))
    return trees[0] if trees else None


def _replies_of(root_ids: list[int]) -> list[Comment]:
    if not root_ids:
        return []
    return list(
        Comment.objects.filter(root_id__in=root_ids)
        .select_related("user", "in_reply_to", "in_reply_to__user")
        .order_by("created_at", "id")
    )


def _build_trees(roots: list[Comment], replies: list[Comment]) -> list[Node]:
    nodes = {c.pk: Node(c) for c in roots}
    for reply in replies:
        nodes[reply.pk] = Node(reply)
    for reply in replies:
        parent = nodes.get(reply.parent_id)
        if parent is not None:
            parent.children.append(nodes[reply.pk])
    return [node for node in (nodes[r.pk] for r in roots) if _prune(node)]


def _prune(node: Node) -> bool:
    """Drop deleted comments with nothing shown below them; True if shown."""
    node.children = [child for child in node.children if _prune(child)]
    return node.shown
