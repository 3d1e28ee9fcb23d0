from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from talkpage.accounts.validators import MAX_PASSWORD_LENGTH


class UsernameOrEmailBackend(ModelBackend):
    """Signs in with either the username or the email address, in any case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()  # noqa: N806
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        try:
            user = User.objects.get_by_login(username.strip())
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            # Hash anyway so an unknown name takes as long as a wrong password.
            # (Several matches: names the unique index tells apart but a
            # case-insensitive lookup does not, like σ and ς on PostgreSQL.)
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
