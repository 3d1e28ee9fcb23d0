"""Whether a display name would pass for someone else's.

An anonymous poster picks any display name, so "bob", "B0B", "b o b" and
"bоb" (with a Cyrillic о) must all be refused while bob the moderator has an
account, and so must names that pose as the site itself ("Moderator").

Names are compared by key, not by text: two names that look alike have the
same key. The key is Unicode's confusables *skeleton* (UTS #39), computed by
ICU's SpoofChecker, the reference implementation, whose confusables data is
compiled into the library (nothing is fetched at run time). Around it we fold
case and width and drop what a reader cannot see or does not read as part of
a name: spaces, punctuation such as . _ -, zero-width and other invisible
characters.

A skeleton is a key, never something to show: "moderator" becomes
"rnoderator", because "m" and "rn" look alike.
"""

import unicodedata
from functools import cache

import icu
from django.apps import apps
from django.db.models import Model

#: The width of ``User.name_skeleton``. A longer key is cut: names that share
#: 150 characters of skeleton then count as alike, which refuses a name now
#: and then but never lets an impostor through.
MAX_SKELETON_LENGTH = 150

#: Names nobody may post under: they pose as the people who run the site.
RESERVED_NAMES = ("moderator", "admin", "administrator", "talkpage", "staff")

# Users whose keys are rewritten per UPDATE by refresh_name_skeletons.
_BATCH_SIZE = 500

# Separators (Z*), controls (Cc), format characters such as zero-width
# spaces and joiners (Cf), and punctuation (P*): "a.l_i-c e" is read as alice.
_INVISIBLE_OR_PUNCTUATION = ("Z", "Cc", "Cf", "P")

# A skeleton can hold capitals again ("0" maps to "O"), compatibility
# characters (subscript digits) or a tab, and folding those can expose new
# confusables. Real names settle in one or two rounds; the cap only guards
# against a loop.
_MAX_ROUNDS = 8


def name_skeleton(name: str) -> str:
    """The key two names share when a reader could take one for the other.

    NFKC (full-width and styled letters become plain ones), case folding,
    dropping invisible characters, whitespace and punctuation, then the
    UTS #39 skeleton, folded again until nothing changes. "Alice", "ALICE",
    "a l i c e", "ａｌｉｃｅ", "Аlice" (Cyrillic А) and "alice" followed by a
    zero-width space all give the key of "alice". Digits count only where
    Unicode's data says they look like a letter: "b0b" is "bob" and
    "ma11ory" is "mallory", but "al1ce" is not "alice".
    """
    key = _folded(name)
    for _ in range(_MAX_ROUNDS):
        refolded = _folded(_skeleton(key))
        if refolded == key:
            break
        key = refolded
    return key[:MAX_SKELETON_LENGTH]


def lookalike_keys(name: str) -> set[str]:
    """The keys under which ``name`` could pass for another name.

    Besides ``name_skeleton``, the key of the name skeletonised *before* its
    case is folded: UTS #39 maps a capital I to l, which folding would have
    turned into i first, so "aIice" reads as alice in most fonts and only
    this second key says so. An empty key (a name of punctuation only)
    matches nothing.
    """
    visible = _visible(unicodedata.normalize("NFKC", name))
    keys = {name_skeleton(name), name_skeleton(_skeleton(visible))}
    keys.discard("")
    return keys


def is_reserved_name(name: str) -> bool:
    """True if ``name`` looks like one of ``RESERVED_NAMES``."""
    return not lookalike_keys(name).isdisjoint(_reserved_keys())


def is_taken_name(name: str) -> bool:
    """True if ``name`` would pass for a registered user or for the site.

    Every account counts, moderators and superusers included (they are
    users), and so do the reserved role words. One indexed query on
    ``User.name_skeleton``, however many users there are.
    """
    keys = lookalike_keys(name)
    if not keys:
        return False
    if not keys.isdisjoint(_reserved_keys()):
        return True
    user_model = apps.get_model("accounts", "User")
    return user_model.objects.filter(name_skeleton__in=keys).exists()


def refresh_name_skeletons(user_model: type[Model] | None = None) -> int:
    """Recomputes every user's ``name_skeleton``; returns how many changed.

    The migration that added the column fills it with this (passing its
    historical model). Run it again after an upgrade of ICU, whose newer
    Unicode data may give some names a different key.
    """
    user_model = user_model or apps.get_model("accounts", "User")
    users = user_model.objects.only("pk", "username", "name_skeleton")
    changed, batch = 0, []
    for user in users.iterator(chunk_size=_BATCH_SIZE):
        key = name_skeleton(user.username)
        if user.name_skeleton != key:
            user.name_skeleton = key
            batch.append(user)
        if len(batch) == _BATCH_SIZE:
            changed += user_model.objects.bulk_update(batch, ["name_skeleton"])
            batch = []
    return changed + user_model.objects.bulk_update(batch, ["name_skeleton"])


def _folded(text: str) -> str:
    return _visible(unicodedata.normalize("NFKC", text).casefold())


def _visible(text: str) -> str:
    return "".join(
        char
        for char in text
        if not unicodedata.category(char).startswith(_INVISIBLE_OR_PUNCTUATION)
        and not icu.Char.hasBinaryProperty(
            char, icu.UProperty.DEFAULT_IGNORABLE_CODE_POINT
        )
    )


def _skeleton(text: str) -> str:
    # The first argument is a deprecated "type" that ICU ignores.
    return _spoof_checker().getSkeleton(0, text)


@cache
def _spoof_checker() -> icu.SpoofChecker:
    # Shared by every thread: getSkeleton takes a const checker, and ICU's
    # rule is that functions on a const checker are thread safe.
    return icu.SpoofChecker()


@cache
def _reserved_keys() -> frozenset[str]:
    return frozenset(key for word in RESERVED_NAMES for key in lookalike_keys(word))
