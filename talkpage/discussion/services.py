"""Writing to a discussion: posting, editing and deleting comments.

Pages (and later the JSON API) call these functions; neither repeats their
rules. Validation of what a person typed (length, emptiness) happens in the
forms; these functions enforce what must hold whatever the caller.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.discussion.models import (
    Comment,
    Status,
    Vote,
    fingerprint_of,
    hash_edit_token,
    wilson_lower_bound,
)
from talkpage.lib.markdown import render_comment
from talkpage.moderation import services as moderation
from talkpage.notifications import services as notifications

MAX_COMMENT_LENGTH = 10_000


class CommentRefused(Exception):
    """A write that cannot happen, with a message fit to show the person."""


class ReplayedForm(CommentRefused):
    """A form token used again for different words."""


@dataclass(frozen=True)
class PostedComment:
    comment: Comment
    # The anonymous author's edit token: returned once, stored only hashed.
    edit_token: str | None
    # False when this was a repeat of an earlier submission.
    created: bool


def new_edit_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def post_comment(
    *,
    article: Article,
    user,
    text: str,
    anonymous: bool = False,
    author_name: str = "",
    in_reply_to: Comment | None = None,
    submission_key: str | None = None,
    network_hash: str = "",
    signals: list[str] | None = None,
    spam_signals: list[str] | None = None,
    notify: bool = False,
    notify_email: str = "",
) -> PostedComment:
    """Post a comment on ``article``: screened, then published, held for a
    moderator, or kept as spam (see moderation.services.screen).

    The same ``submission_key`` with the same text returns the comment
    already posted (a double click, a retried request); with other text it
    is a replayed form and is refused.

    ``notify`` is "Email me when someone replies": to the member's address,
    or to ``notify_email`` (confirmed first) for anyone else. It is saved
    with the comment, so no crash can keep one without the other.
    """
    if submission_key:
        earlier = Comment.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            repeat = _repeat_of(earlier, article=article, text=text)
            if notify:  # the first request may have died before saying so
                notifications.subscribe_poster(
                    comment=earlier, user=user, email=notify_email
                )
            return repeat
    policy = moderation.policy_for(article)
    moderation.check_can_post(
        article=article, user=user, network_hash=network_hash, policy=policy
    )
    if in_reply_to is not None:
        check_can_reply(article=article, in_reply_to=in_reply_to)
    signed_in = user is not None and user.is_authenticated
    fingerprint = fingerprint_of(text)
    copies = recent_copies(
        fingerprint=fingerprint,
        user=user if signed_in else None,
        network_hash=network_hash,
    )
    if copies.by_this_poster:
        raise CommentRefused("You have already posted this comment.")
    screening = moderation.screen(
        article=article,
        user=user,
        text=text,
        signals=[*(signals or []), *copies.signals()],
        spam_signals=spam_signals or [],
        policy=policy,
    )
    edit_token = None if signed_in else new_edit_token()
    comment = Comment(
        article=article,
        user=user if signed_in else None,
        anonymous=bool(anonymous) if signed_in else True,
        author_name="" if signed_in else author_name.strip(),
        body=text,
        body_html=render_comment(text),
        created_at=timezone.now(),
        edit_token_hash=hash_edit_token(edit_token) if edit_token else "",
        submission_key=submission_key or None,
        network_hash=network_hash,
        fingerprint=fingerprint,
        status=screening.status,
        moderation_reasons=screening.reasons,
        spam_score=screening.spam_score,
    )
    place_in_thread(comment, in_reply_to)
    try:
        with transaction.atomic():
            comment.save()
            if comment.counts_as_visible:
                _count(comment, +1)
                notifications.comment_became_visible(comment=comment, just_posted=True)
            elif comment.status == Status.HELD:
                notifications.comment_was_held(comment=comment)
            if notify:
                notifications.subscribe_poster(
                    comment=comment, user=user, email=notify_email
                )
    except IntegrityError:
        # Two copies of one submission raced; the other one won.
        earlier = Comment.objects.filter(submission_key=submission_key).first()
        if earlier is None:
            raise
        return _repeat_of(earlier, article=article, text=text)
    return PostedComment(comment, edit_token=edit_token, created=True)


def _repeat_of(earlier: Comment, *, article: Article, text: str) -> PostedComment:
    if earlier.article_id == article.pk and earlier.body == text:
        return PostedComment(earlier, edit_token=None, created=False)
    raise ReplayedForm(
        "This form was already used to post a comment. Your text is kept "
        "below: please post it again."
    )


def _count(comment: Comment, delta: int) -> None:
    """Change the visible-comment counts by ``delta`` and mark the
    discussion changed (the thread's root row first, then the article's:
    see ArticleQuerySet.discussion_changed)."""
    if delta and comment.root_id is not None:
        Comment.objects.filter(pk=comment.root_id).update(
            reply_count=F("reply_count") + delta
        )
    Article.objects.filter(pk=comment.article_id).discussion_changed(
        comment_delta=delta
    )


@dataclass(frozen=True)
class RecentCopies:
    """Comments with the same words as a new one, posted in the last day."""

    # By anyone, deleted ones included: the same text from several people
    # in a day looks like a campaign.
    by_anyone: int
    # By the same poster and not deleted: posting them again is a duplicate.
    by_this_poster: int

    def signals(self) -> list[str]:
        """The copy that makes TALKPAGE_REPEATS_TO_HOLD (this one included)
        and every later one are held."""
        copies = self.by_anyone + 1
        if copies >= settings.TALKPAGE_REPEATS_TO_HOLD:
            return [f"same text posted {copies} times today"]
        return []


def recent_copies(
    *, fingerprint: str, user=None, network_hash: str = ""
) -> RecentCopies:
    """Both counts in one query (the fingerprint index); a poster is known
    by account, else by network, else not at all."""
    if user is not None:
        poster = Q(user=user)
    elif network_hash:
        poster = Q(network_hash=network_hash, user__isnull=True)
    else:
        poster = None
    counts = {"by_anyone": Count("id")}
    if poster is not None:
        counts["by_this_poster"] = Count(
            "id", filter=poster & Q(deleted_at__isnull=True)
        )
    found = Comment.objects.filter(
        fingerprint=fingerprint, created_at__gte=timezone.now() - timedelta(days=1)
    ).aggregate(**counts)
    return RecentCopies(found["by_anyone"], found.get("by_this_poster", 0))


def repeated_content_signals(fingerprint: str) -> list[str]:
    return recent_copies(fingerprint=fingerprint).signals()


def check_can_reply(*, article: Article, in_reply_to: Comment) -> None:
    if in_reply_to.article_id != article.pk:
        raise CommentRefused("That comment belongs to another article.")
    if in_reply_to.is_deleted:
        raise CommentRefused("That comment has been deleted, so it takes no replies.")
    if not in_reply_to.is_published:
        raise CommentRefused("The comment you replied to does not exist.")


def place_in_thread(comment: Comment, in_reply_to: Comment | None) -> None:
    """Sets where a reply sits in the tree (see Comment): posting and the
    importers both place replies here, so they never disagree."""
    if in_reply_to is None:
        return
    comment.in_reply_to = in_reply_to
    comment.root_id = in_reply_to.root_id or in_reply_to.pk
    if in_reply_to.depth < settings.TALKPAGE_MAX_DEPTH:
        comment.parent = in_reply_to
        comment.depth = in_reply_to.depth + 1
    else:
        # Too deep to indent further: sit beside the comment answered.
        comment.parent_id = in_reply_to.parent_id
        comment.depth = in_reply_to.depth


def edit_comment(*, comment: Comment, text: str) -> Comment:
    """Change a comment's words. The new words are screened again (but not
    held again by policy): an approved comment cannot be edited into spam."""
    if comment.is_deleted:
        raise CommentRefused("That comment has been deleted.")
    if text == comment.body:
        return comment
    # A banned author keeps delete rights but cannot change the words.
    moderation.check_not_banned(user=comment.user, network_hash=comment.network_hash)
    screening = moderation.screen(
        article=comment.article,
        user=comment.user,
        text=text,
        signals=repeated_content_signals(fingerprint_of(text)),
        for_edit=True,
    )
    comment.body = text
    comment.body_html = render_comment(text)
    comment.fingerprint = fingerprint_of(text)
    comment.edited_at = timezone.now()
    comment.spam_score = screening.spam_score
    with transaction.atomic():
        comment.save(
            update_fields=[
                "body", "body_html", "fingerprint", "edited_at", "spam_score",
            ]
        )  # fmt: skip
        _count(comment, 0)
    if screening.status != Status.PUBLISHED and comment.is_published:
        Comment.objects.filter(pk=comment.pk).update(
            moderation_reasons=["edited", *screening.reasons]
        )
        comment = moderation.set_status(
            comment=comment,
            status=screening.status,
            actor=None,
            action="comment.held_after_edit",
        )
    return comment


def delete_comment(*, comment: Comment) -> None:
    """Delete a comment's content.

    The row stays, emptied, so replies keep their place; a listing shows it
    as "[deleted]" only while something below it is still shown.
    """
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.is_deleted:
            return  # deleting twice is not an error
        was_counted = current.counts_as_visible
        Comment.objects.filter(pk=comment.pk).update(
            deleted_at=timezone.now(),
            body="",
            body_html="",
            author_name="",
            edit_token_hash="",
        )
        _count(current, -1 if was_counted else 0)
    comment.refresh_from_db()


@dataclass(frozen=True)
class VoteTally:
    upvotes: int
    downvotes: int
    # The reader's vote now: +1, -1 or 0.
    mine: int


def vote(*, comment: Comment, voter_key: str, user, value: int) -> VoteTally:
    """Set one reader's vote on a comment: +1, -1, or 0 to take it back.

    The comment row is locked while its tally changes, so concurrent voters
    never lose each other's votes; the unique constraint on (comment, voter)
    keeps each reader to one vote even under a race.
    """
    if value not in (1, -1, 0):
        raise CommentRefused("A vote is +1, -1 or 0.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if not locked.is_published or locked.is_deleted:
            raise CommentRefused("That comment is not shown, so it takes no votes.")
        existing = Vote.objects.filter(comment=locked, voter_key=voter_key).first()
        before = existing.value if existing else 0
        if value == before:
            return VoteTally(locked.upvotes, locked.downvotes, value)
        if existing is None:
            Vote.objects.create(
                comment=locked,
                voter_key=voter_key,
                user=user if user is not None and user.is_authenticated else None,
                value=value,
            )
        elif value == 0:
            existing.delete()
        else:
            existing.value = value
            existing.save(update_fields=["value"])
        locked.upvotes += (value == 1) - (before == 1)
        locked.downvotes += (value == -1) - (before == -1)
        locked.best_score = wilson_lower_bound(locked.upvotes, locked.downvotes)
        locked.save(update_fields=["upvotes", "downvotes", "best_score"])
        _count(locked, 0)
    return VoteTally(locked.upvotes, locked.downvotes, value)
