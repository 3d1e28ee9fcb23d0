"""Seed Talkpage with the benchmark's discussions, through the Django ORM.

    python bench/seed_talkpage.py SIZE [SIZE ...]

creates the article ``bench-SIZE`` with SIZE comments for each SIZE, and the
empty article ``bench-posts`` that the comment creation run posts to. It uses
the database of the usual ``TALKPAGE_*`` environment, already migrated.

post_comment() screens and writes one comment per transaction, which would
take many minutes for 111,110 comments; this writes the same rows with
bulk_create instead, as post_comment would have left them for an anonymous
visitor under the open policy: published, Markdown rendered by the same
function, threaded by the same rules (root, parent, depth), with the
counters it keeps (the root's reply_count, the article's comment_count).
Nobody has voted, so the vote counts and best_score are zero.
"""

import os
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talkpage.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from seed_data import SeedComment, thread_comments  # noqa: E402

from talkpage.articles.models import Article  # noqa: E402
from talkpage.discussion.models import (  # noqa: E402
    Comment,
    Status,
    fingerprint_of,
    hash_edit_token,
)
from talkpage.discussion.services import new_edit_token  # noqa: E402
from talkpage.lib.markdown import render_article, render_comment  # noqa: E402
from talkpage.lib.network import ban_network_hash  # noqa: E402

POSTS_SLUG = "bench-posts"
BATCH_SIZE = 2_000
# Seeded comments are this far apart, the newest an hour old.
SPACING = timedelta(seconds=30)


@dataclass
class Placement:
    """Where post_comment's _place_in_thread would put a comment."""

    id: int
    root_id: int | None = None
    parent_id: int | None = None
    in_reply_to_id: int | None = None
    depth: int = 0
    reply_count: int = 0


def main(sizes: list[int]) -> None:
    started = time.perf_counter()
    next_id = (Comment.objects.aggregate(Max("id"))["id__max"] or 0) + 1
    network_hashes: dict[str, str] = {}
    for size in sizes:
        seed_comments = thread_comments(size)
        article = make_article(f"bench-{size}", size, len(seed_comments))
        write_thread(article, seed_comments, next_id, network_hashes)
        next_id += size
        print(f"seeded bench-{size}: {size} comments", flush=True)
    make_article(POSTS_SLUG, 0, 0)
    # Rows were written with explicit ids: move PostgreSQL's sequences past
    # them, or the first comment posted afterwards would collide.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [Comment, Article]
        ):
            cursor.execute(statement)
        # A live PostgreSQL would have analysed the tables by now (this
        # machine's runs with autovacuum off); without statistics the planner
        # guesses, and chose parallel sequential scans for one page's replies.
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(f"seeding took {time.perf_counter() - started:.1f} s", flush=True)


def make_article(slug: str, size: int, comment_count: int) -> Article:
    """An article as the importer makes one, published before its first
    comment."""
    body = (
        f"A benchmark discussion with {size} comments.\n\n"
        "Magnesium does **many** things in the body."
    )
    return Article.objects.create(
        slug=slug,
        title=f"Benchmark discussion: {size} comments",
        summary="Seeded by bench/seed_talkpage.py.",
        body_markdown=body,
        body_html=render_article(body),
        references=["Someone. A paper. 2011."],
        disclaimer="medical",
        published_at=first_comment_time(size) - timedelta(days=1),
        comment_count=comment_count,
    )


def first_comment_time(size: int):
    return timezone.now() - timedelta(hours=1) - SPACING * size


def place(seed_comments: list[SeedComment], first_id: int) -> list[Placement]:
    """Ids and tree pointers of every comment, and the counters they add up
    to, before any row is written (a root's reply_count is final only once
    its last reply is placed)."""
    max_depth = settings.TALKPAGE_MAX_DEPTH
    placements = []
    for seed in seed_comments:
        placement = Placement(id=first_id + seed.index)
        if seed.reply_to is not None:
            answered = placements[seed.reply_to]
            placement.in_reply_to_id = answered.id
            placement.root_id = answered.root_id or answered.id
            if answered.depth < max_depth:
                placement.parent_id = answered.id
                placement.depth = answered.depth + 1
            else:
                placement.parent_id = answered.parent_id
                placement.depth = answered.depth
            placements[placement.root_id - first_id].reply_count += 1
        placements.append(placement)
    return placements


def write_thread(
    article: Article,
    seed_comments: list[SeedComment],
    first_id: int,
    network_hashes: dict[str, str],
) -> None:
    placements = place(seed_comments, first_id)
    start = first_comment_time(len(seed_comments))
    with transaction.atomic():
        for batch_start in range(0, len(seed_comments), BATCH_SIZE):
            batch = []
            for seed in seed_comments[batch_start : batch_start + BATCH_SIZE]:
                placement = placements[seed.index]
                batch.append(
                    Comment(
                        id=placement.id,
                        article=article,
                        root_id=placement.root_id,
                        parent_id=placement.parent_id,
                        in_reply_to_id=placement.in_reply_to_id,
                        depth=placement.depth,
                        user=None,
                        anonymous=True,
                        author_name=seed.author,
                        body=seed.text,
                        body_html=render_comment(seed.text),
                        created_at=start + SPACING * seed.index,
                        edit_token_hash=hash_edit_token(new_edit_token()),
                        network_hash=network_hash_of(seed.network, network_hashes),
                        fingerprint=fingerprint_of(seed.text),
                        status=Status.PUBLISHED,
                        reply_count=placement.reply_count,
                    )
                )
            Comment.objects.bulk_create(batch)


def network_hash_of(network: str, known: dict[str, str]) -> str:
    """What the API stores for a poster from ``network``, computed by the
    API's own function from a request coming from that network."""
    if network not in known:
        request = RequestFactory().get("/", REMOTE_ADDR=network)
        known[network] = ban_network_hash(request)
    return known[network]


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]])
