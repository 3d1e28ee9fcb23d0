"""Bearer tokens for the embed: how a widget on another site acts for a
signed-in person without third-party cookies.

A token is signed and expires (TALKPAGE_BEARER_TOKEN_AGE); it carries part of
the user's session hash, so changing the password ends every token at once,
as it ends every session.
"""

from django.conf import settings
from django.core import signing

from talkpage.accounts.models import User

SALT = "talkpage.embeds.bearer"


def issue_bearer_token(user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"u": user.pk, "h": user.get_session_auth_hash()[:20]}
    )


def user_from_bearer_token(token: str) -> User | None:
    """The user the token speaks for, or None if it is forged or expired."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=settings.TALKPAGE_BEARER_TOKEN_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or user.get_session_auth_hash()[:20] != data.get("h"):
        return None
    return user
