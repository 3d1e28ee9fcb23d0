"""The discussions both systems are seeded with.

Talkpage (bench/seed_talkpage.py) and Isso (bench/seed_isso.py, run by
Isso's own Python) import this file, so both get the same texts, authors
and reply structure. Plain Python only: Isso's virtualenv has no Django.
"""

import random
from dataclasses import dataclass

# About one comment in four answers another. People answer what they have
# just read, so the comment answered is one of the last few; a fixed window
# also keeps the first page (the oldest threads) equally busy whatever the
# size of the discussion, which is what "flat from 10 to 100,000" compares.
REPLY_SHARE = 0.25
REPLY_WINDOW = 20
# Distinct commenters per discussion, each from their own /24 network.
AUTHORS = 400

FIRST_NAMES = (
    "Alice", "Bob", "Chen", "Dara", "Eve", "Farid", "Grace", "Hugo", "Ines",
    "Jonas", "Kemi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa",
    "Sam", "Tomás", "Uma", "Viktor", "Wen", "Yusuf", "Zoë",
)  # fmt: skip
OPENINGS = (
    "Thanks for writing this up.",
    "I am not sure the evidence supports this.",
    "Interesting point about *sleep* quality.",
    "This matches what my GP told me last year.",
    "Has anyone here tried this for more than a month?",
    "Good summary, but the dose matters a lot.",
    "I read the cited paper and it is **much** smaller than it sounds.",
    "My experience was the opposite, for what it is worth.",
)
MIDDLES = (
    "I took `magnesium glycinate` at night and slept better, but the pain "
    "stayed the same.",
    "The review linked [here](https://example.org/reviews/magnesium) found "
    "only small effects.",
    "Citrate upset my stomach; glycinate did not.",
    "What I changed:\n\n- walking every day\n- less coffee after noon\n- a "
    "fixed bedtime",
    "> the trial was not blinded\n\nThat alone makes me doubt the result.",
    "My pharmacist warned me about taking it together with antibiotics.",
    "Blood tests showed my levels were normal the whole time.",
    "It took about three weeks before I noticed anything at all.",
)
CLOSINGS = (
    "",
    "Curious what others found.",
    "Would love to see a larger trial.",
    "Either way, talk to a doctor first.",
    "Thanks to everyone sharing their experience here.",
)


@dataclass(frozen=True)
class SeedComment:
    index: int
    text: str
    # Empty for someone who left the name field blank (shown as Anonymous).
    author: str
    # The network the author posts from, "172.a.b.0": the same for all their
    # comments, as a ban or duplicate check sees it, and apart from the
    # 10.0.0.0/8 addresses the comment creation runs post from.
    network: str
    # Index of the comment answered, always an earlier one; None: top level.
    reply_to: int | None


def thread_comments(size: int) -> list[SeedComment]:
    """The ``size`` comments of one discussion, oldest first, the same on
    every run."""
    rng = random.Random(f"talkpage-bench-{size}")
    comments = []
    for index in range(size):
        author_number = rng.randrange(AUTHORS)
        reply_to = None
        if index > 0 and rng.random() < REPLY_SHARE:
            reply_to = rng.randrange(max(0, index - REPLY_WINDOW), index)
        comments.append(
            SeedComment(
                index=index,
                text=_text(rng),
                author=_author_name(author_number),
                network=f"172.{16 + author_number // 256}.{author_number % 256}.0",
                reply_to=reply_to,
            )
        )
    return comments


def _author_name(author_number: int) -> str:
    if author_number % 10 == 0:
        return ""
    return f"{FIRST_NAMES[author_number % len(FIRST_NAMES)]} {author_number}"


def _text(rng: random.Random) -> str:
    parts = [rng.choice(OPENINGS), rng.choice(MIDDLES)]
    if rng.random() < 0.4:
        parts.append(rng.choice(MIDDLES))
    parts.append(rng.choice(CLOSINGS))
    return "\n\n".join(part for part in parts if part)
