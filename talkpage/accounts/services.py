"""Changes to an account that touch more than the user row."""

from django.db import IntegrityError, transaction

from talkpage.accounts.models import User


class EmailTaken(Exception):
    """Another account holds the address (it got there first)."""


def change_email(*, user: User, email: str) -> None:
    # Django's reset tokens hash the email, so links sent to the old address
    # stop working here.
    # A new address is unproven until its link is followed (see
    # accounts/verification.py), in the same write as the change.
    old_email, old_verified = user.email, user.email_verified_at
    user.email, user.email_verified_at = email, None
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:
        user.email, user.email_verified_at = old_email, old_verified
        raise EmailTaken from None


def delete_account(*, user: User, delete_comments: bool) -> None:
    """Remove the account; its comments are deleted or become Anonymous.

    The privacy app's erase_account does it, and erases everything else tied
    to the account (votes, reports, sessions...): see the privacy page.
    """
    from talkpage.privacy.services import erase_account

    erase_account(user=user, delete_comments=delete_comments)
