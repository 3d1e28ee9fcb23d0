"""Writing to a discussion: posting, editing and deleting comments.

Pages (and later the JSON API) call these functions; neither repeats their
rules. Validation of what a person typed (length, emptiness) happens in the
forms; these functions enforce what must hold whatever the caller.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, hash_edit_token
from talkpage.lib.markdown import render_comment

MAX_COMMENT_LENGTH = 10_000


class CommentRefused(Exception):
    """A write that cannot happen, with a message fit to show the person."""


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
) -> PostedComment:
    """Publish a comment on ``article``, or return the one already posted
    with the same ``submission_key`` (a double click, a retried request)."""
    if submission_key:
        earlier = Comment.objects.filter(submission_key=submission_key).first()
        if earlier is not None and _same_submission(earlier, article, text):
            return PostedComment(earlier, edit_token=None, created=False)
        if earlier is not None:
            # The key was reused for different words (a cached or copied
            # form): never drop a comment as a "repeat" of another one.
            submission_key = None
    if in_reply_to is not None:
        check_can_reply(article=article, in_reply_to=in_reply_to)
    signed_in = user is not None and user.is_authenticated
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
    )
    _place_in_thread(comment, in_reply_to)
    try:
        with transaction.atomic():
            comment.save()
            Article.objects.filter(pk=article.pk).update(
                comment_count=F("comment_count") + 1
            )
            if comment.root_id is not None:
                Comment.objects.filter(pk=comment.root_id).update(
                    reply_count=F("reply_count") + 1
                )
    except IntegrityError:
        # Two copies of one submission raced; the other one won.
        earlier = Comment.objects.filter(submission_key=submission_key).first()
        if earlier is None:
            raise
        if _same_submission(earlier, article, text):
            return PostedComment(earlier, edit_token=None, created=False)
        return post_comment(
            article=article,
            user=user,
            text=text,
            anonymous=anonymous,
            author_name=author_name,
            in_reply_to=in_reply_to,
            submission_key=None,
        )
    return PostedComment(comment, edit_token=edit_token, created=True)


def _same_submission(earlier: Comment, article: Article, text: str) -> bool:
    return earlier.article_id == article.pk and earlier.body == text


def check_can_reply(*, article: Article, in_reply_to: Comment) -> None:
    if in_reply_to.article_id != article.pk:
        raise CommentRefused("That comment belongs to another article.")
    if in_reply_to.is_deleted:
        raise CommentRefused("That comment has been deleted, so it takes no replies.")


def _place_in_thread(comment: Comment, in_reply_to: Comment | None) -> None:
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
    if comment.is_deleted:
        raise CommentRefused("That comment has been deleted.")
    if text == comment.body:
        return comment
    comment.body = text
    comment.body_html = render_comment(text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(*, comment: Comment) -> None:
    """Delete a comment's content.

    The row stays, emptied, so replies keep their place; a listing shows it
    as "[deleted]" only while something below it is still shown.
    """
    with transaction.atomic():
        deleted = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(),
            body="",
            body_html="",
            author_name="",
            edit_token_hash="",
        )
        if not deleted:
            return  # already deleted: deleting twice is not an error
        Article.objects.filter(pk=comment.article_id).update(
            comment_count=F("comment_count") - 1
        )
        if comment.root_id is not None:
            Comment.objects.filter(pk=comment.root_id).update(
                reply_count=F("reply_count") - 1
            )
    comment.refresh_from_db()
