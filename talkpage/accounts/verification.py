"""Proving an account's email address is its owner's.

The link we mail names the account and the address it was sent to, so it
stops working when the address changes. An unverified account signs in and
posts as any other (the moderation policy decides about its comments); it
gets no notification mail until verified, so an account made with someone
else's address cannot make us write to them beyond this one link.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from talkpage.accounts.models import User
from talkpage.background.mail import send_later
from talkpage.lib.http import absolute_url
from talkpage.lib.mail import one_line

VERIFY_SALT = "talkpage.accounts.verify-email"


class BadVerificationLink(Exception):
    pass


def send_verification(*, user: User) -> None:
    token = signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT)
    context = {
        "user": user,
        "site_name": settings.TALKPAGE_SITE_NAME,
        "verify_url": absolute_url(reverse("accounts:verify", args=[token])),
        "days": settings.TALKPAGE_CONFIRMATION_DAYS,
    }
    send_later(_message("verify-email", context, to=[user.email]))


def account_to_verify(token: str) -> User:
    try:
        data = signing.loads(
            token,
            salt=VERIFY_SALT,
            max_age=timedelta(days=settings.TALKPAGE_CONFIRMATION_DAYS),
        )
        user = User.objects.get(pk=data["u"], is_active=True)
    except signing.SignatureExpired:
        raise BadVerificationLink(
            "This link has expired. Sign in and ask for a new one in your "
            "account settings."
        ) from None
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        raise BadVerificationLink("This link is not valid.") from None
    if user.email.lower() != data.get("e"):
        raise BadVerificationLink(
            "This link was sent to an address the account no longer uses."
        )
    return user


def verify(*, user: User) -> User:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def address_changed(*, user: User, old_email: str) -> None:
    """After a change of address (services.change_email, which marks it
    unverified): the new one gets its link, and the old one hears of the
    change (if it was not its owner, they can act)."""
    send_verification(user=user)
    if old_email and old_email.lower() != user.email.lower():
        context = {
            "user": user,
            "site_name": settings.TALKPAGE_SITE_NAME,
            "new_email": _masked(user.email),
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        }
        send_later(_message("email-changed", context, to=[old_email]))


def _masked(address: str) -> str:
    """ "a***@example.org": enough to recognise, not to hand over."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _message(name: str, context: dict, *, to: list[str]) -> EmailMessage:
    subject = one_line(render_to_string(f"emails/{name}-subject.txt", context))
    return EmailMessage(
        subject, render_to_string(f"emails/{name}-body.txt", context), to=to
    )
