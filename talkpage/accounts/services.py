"""Changes to an account that touch more than the user row."""

from django.db import IntegrityError, transaction

from talkpage.accounts.models import User
from talkpage.articles.models import Article
from talkpage.discussion.models import Comment
from talkpage.discussion.services import delete_comment


class EmailTaken(Exception):
    """Another account holds the address (it got there first)."""


def change_email(*, user: User, email: str) -> None:
    # Django's reset tokens hash the email, so links sent to the old address
    # stop working here.
    old_email, user.email = user.email, email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        user.email = old_email
        raise EmailTaken from None


@transaction.atomic
def delete_account(*, user: User, delete_comments: bool) -> None:
    """Remove the account; its comments are deleted or become Anonymous."""
    comments = Comment.objects.filter(user=user)
    articles = list(comments.values_list("article_id", flat=True).distinct())
    if delete_comments:
        for comment in comments.visible().select_for_update():
            delete_comment(comment=comment)
    # Anonymised comments keep their words but lose every link to the
    # person: no user, no name.
    comments.update(user=None, anonymous=True, author_name="")
    Article.objects.filter(pk__in=articles).discussion_changed()
    user.delete()
