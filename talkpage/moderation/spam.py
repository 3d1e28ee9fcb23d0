"""The local spam filter: nothing leaves the server.

Interface (what the rest of Talkpage relies on; a better model can replace
the default behind it, chosen with TALKPAGE_SPAM_FILTER):

    verdict = get_filter().score(text)        # SpamVerdict(score, reasons)
    get_filter().learn(text, is_spam=True)    # a moderator said Spam
    get_filter().learn(text, is_spam=False)   # a moderator approved
    get_filter().forget(text, is_spam=...)    # a decision was reversed

The default, NaiveBayesFilter, counts in how many spam and approved texts
each word, emoji, linked site and number of links was seen (SpamToken rows),
and combines the evidence of a new text the way SpamBayes does: Robinson's
smoothed probability per feature, Fisher's chi-square to combine them. That
scores by how typical each feature is of each class, not by how many texts
of each class were learned, so a site that approves a hundred comments for
each spam one still recognises spam; and conflicting evidence lands near
0.5 ("unsure") instead of at an overconfident 0 or 1.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string

from talkpage.moderation.models import SpamToken

DEFAULT_FILTER = "talkpage.moderation.spam.NaiveBayesFilter"
STILL_LEARNING = "spam filter still learning"

# The SpamToken row whose spam and ham columns count learned texts. No
# feature can take this name: words never contain "_".
DOCUMENTS = "__documents__"
TOKEN_LENGTH = SpamToken._meta.get_field("token").max_length

STOP_WORDS = frozenset({
    "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "but", "by", "can", "could", "did", "do", "does",
    "for", "from", "had", "has", "have", "he", "her", "here", "him", "his", "how",
    "if", "in", "into", "is", "it", "its", "just", "me", "more", "my", "no", "not",
    "of", "on", "one", "or", "our", "out", "she", "so", "some", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "to", "too",
    "up", "us", "was", "we", "were", "what", "when", "which", "who", "why", "will",
    "with", "would", "you", "your",
})  # fmt: skip

# A word is a run of letters and digits in any script; "_" is left out so
# that reserved rows and prefixed features ("link:…") cannot be words. The
# second branch takes non-ASCII symbols one by one, for emoji.
WORD = re.compile(r"[^\W_]+|[^\w\s\x00-\x7f]")
_URL_CHARACTERS = r"[^\s<>\"'()\[\]{}]+"
URL = re.compile(
    rf"(?:https?://|www\.){_URL_CHARACTERS}"
    # A protocol-relative Markdown target, [text](//host/…), links off-site too.
    rf"|(?<=\]\()//{_URL_CHARACTERS}",
    re.IGNORECASE,
)
# Second-level labels under which a country's sites register: example.co.uk.
SECOND_LEVEL = frozenset({
    "ac", "co", "com", "edu", "gov", "gv", "ltd", "ne", "net", "nhs", "or", "org",
    "plc", "sch",
})  # fmt: skip


@dataclass(frozen=True)
class SpamVerdict:
    score: float  # probability of spam, 0..1
    reasons: list[str]  # for a moderator, most telling first, at most 5


class SpamFilter(Protocol):
    def score(self, text: str) -> SpamVerdict: ...

    def learn(self, text: str, *, is_spam: bool) -> None: ...

    def forget(self, text: str, *, is_spam: bool) -> None:
        """Undo one learn(): a moderator reversed a decision."""


class Features(NamedTuple):
    tokens: list[str]  # distinct SpamToken.token values, links first
    links: int  # links in the whole text, for the moderator's reason


class NaiveBayesFilter:
    """Robinson–Fisher naive Bayes over words, emoji and links (see the
    module docstring). Subclasses can tune the class attributes."""

    # Features read from one text: bounds the work and the queries' size
    # whatever a spammer pastes.
    max_features = 300
    min_word_length = 2
    max_word_length = 30
    # Robinson's s and x: a feature seen in few texts stays near x.
    unknown_strength = 0.45
    unknown_probability = 0.5
    # Features closer than this to 0.5 tell nothing and are left out.
    min_distance = 0.1
    max_clues = 150
    max_reasons = 5

    def features(self, text: str) -> Features:
        found: dict[str, None] = {}  # an ordered set

        def add(token: str) -> None:
            if len(found) < self.max_features:
                found[token[:TOKEN_LENGTH]] = None

        links = 0
        for match in URL.finditer(text):
            # The visible text of [https://x.example](https://x.example)
            # is not a second link.
            if text.startswith("](", match.end()):
                continue
            links += 1
            if site := registered_site(match[0]):
                add(f"link:{site}")
        add(f"links:{link_bucket(links)}")

        prose = URL.sub(" ", text)
        for match in WORD.finditer(prose):
            if len(found) >= self.max_features:
                break
            word = match[0].lower()
            if len(word) == 1 and unicodedata.category(word) == "So":
                add(word)  # an emoji or other symbol
            elif (
                self.min_word_length <= len(word) <= self.max_word_length
                and word not in STOP_WORDS
            ):
                add(word)
        return Features(list(found), links)

    def score(self, text: str) -> SpamVerdict:
        features = self.features(text)
        counts = {
            token: (spam, ham)
            for token, spam, ham in SpamToken.objects.filter(
                token__in=[DOCUMENTS, *features.tokens]
            ).values_list("token", "spam", "ham")
        }
        spam_texts, ham_texts = counts.pop(DOCUMENTS, (0, 0))
        # Until both classes have examples, every probability is a guess;
        # an untrained filter must never hold anybody.
        needed = max(getattr(settings, "TALKPAGE_SPAM_MIN_TRAINING", 5), 1)
        if spam_texts < needed or ham_texts < needed:
            return SpamVerdict(0.0, [STILL_LEARNING])

        clues = []
        for token in features.tokens:
            spam, ham = counts.get(token, (0, 0))
            probability = self.spam_probability(spam, ham, spam_texts, ham_texts)
            if abs(probability - 0.5) >= self.min_distance:
                clues.append((probability, token, spam, ham))
        clues.sort(key=lambda clue: abs(clue[0] - 0.5), reverse=True)
        clues = clues[: self.max_clues]

        telling = sorted(
            (clue for clue in clues if clue[0] > 0.5),
            key=lambda clue: (-clue[0], -clue[2], clue[1]),
        )
        reasons = [
            describe(token, spam, ham, links=features.links)
            for _, token, spam, ham in telling[: self.max_reasons]
        ]
        return SpamVerdict(fisher_combined([clue[0] for clue in clues]), reasons)

    def spam_probability(
        self, spam: int, ham: int, spam_texts: int, ham_texts: int
    ) -> float:
        """Robinson's f(w): how typical of spam a feature is, pulled toward
        ``unknown_probability`` while it has been seen in few texts."""
        seen = spam + ham
        if not seen:
            return self.unknown_probability
        spam_ratio = spam / spam_texts
        ham_ratio = ham / ham_texts
        graham = spam_ratio / (spam_ratio + ham_ratio)
        strength = self.unknown_strength
        return (strength * self.unknown_probability + seen * graham) / (strength + seen)

    def learn(self, text: str, *, is_spam: bool) -> None:
        tokens = self.features(text).tokens
        column = "spam" if is_spam else "ham"
        with transaction.atomic():
            # Inserted in sorted order, and the totals row updated first so
            # that concurrent learns queue on its lock: two of them cannot
            # each hold a token row the other waits for (PostgreSQL).
            SpamToken.objects.bulk_create(
                [SpamToken(token=token) for token in sorted([DOCUMENTS, *tokens])],
                ignore_conflicts=True,
            )
            SpamToken.objects.filter(token=DOCUMENTS).update(**{column: F(column) + 1})
            SpamToken.objects.filter(token__in=tokens).update(**{column: F(column) + 1})

    def forget(self, text: str, *, is_spam: bool) -> None:
        tokens = self.features(text).tokens
        column = "spam" if is_spam else "ham"
        above_zero = {f"{column}__gt": 0}
        with transaction.atomic():
            forgotten = SpamToken.objects.filter(token=DOCUMENTS, **above_zero).update(
                **{column: F(column) - 1}
            )
            if forgotten:  # else nothing was learned to undo
                SpamToken.objects.filter(token__in=tokens, **above_zero).update(
                    **{column: F(column) - 1}
                )


def get_filter() -> SpamFilter:
    """The filter named by settings.TALKPAGE_SPAM_FILTER (a dotted path to a
    class, instantiated with no arguments), by default NaiveBayesFilter."""
    return import_string(getattr(settings, "TALKPAGE_SPAM_FILTER", DEFAULT_FILTER))()


def registered_site(url: str) -> str | None:
    """The site a URL points to, roughly as registered: ``cheap-pills.example``
    for ``https://www.shop.cheap-pills.example/buy``, so that spammers'
    subdomains count as one site."""
    if url.startswith("//"):
        url = f"http:{url}"
    elif not url.lower().startswith(("http://", "https://")):
        url = f"http://{url}"
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    host = (host or "").strip(".")
    if not host or ":" in host or host.replace(".", "").isdigit():
        return host or None  # an IP address is its own site
    labels = host.split(".")
    keep = 2
    if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        keep = 3
    return ".".join(labels[-keep:])


def link_bucket(links: int) -> str:
    if links < 2:
        return str(links)
    return "2-3" if links < 4 else "4+"


def describe(token: str, spam: int, ham: int, *, links: int) -> str:
    """A feature as a moderator reads it."""
    seen = f"(seen in {spam} spam, {ham} approved)"
    if token.startswith("links:"):
        return "no links" if not links else f"{links} link{'s' * (links != 1)}"
    if token.startswith("link:"):
        return f"links to {token.removeprefix('link:')} {seen}"
    if len(token) == 1:
        return f'symbol "{token}" {seen}'
    return f'word "{token}" {seen}'


def fisher_combined(probabilities: list[float]) -> float:
    """Robinson's combining of per-feature spam probabilities (SpamBayes'
    chi2_spamprob): how far the evidence is from chance toward spam, minus
    how far toward ham, mapped to 0..1. No evidence is 0.5, "unsure"."""
    if not probabilities:
        return 0.5
    freedom = 2 * len(probabilities)
    spamminess = 1 - chi2_tail(
        -2 * math.fsum(math.log1p(-p) for p in probabilities), freedom
    )
    hamminess = 1 - chi2_tail(
        -2 * math.fsum(math.log(p) for p in probabilities), freedom
    )
    return (spamminess - hamminess + 1) / 2


def chi2_tail(chi2: float, freedom: int) -> float:
    """P(X >= chi2) for X chi-square distributed with an even number of
    degrees of freedom, summed in log space so that it cannot underflow."""
    half = chi2 / 2
    if half <= 0:
        return 1.0
    log_half = math.log(half)
    log_terms = [
        i * log_half - math.lgamma(i + 1) for i in range(freedom // 2)
    ]  # log(half**i / i!)
    largest = max(log_terms)
    total = math.fsum(math.exp(term - largest) for term in log_terms)
    return min(1.0, math.exp(largest - half + math.log(total)))
