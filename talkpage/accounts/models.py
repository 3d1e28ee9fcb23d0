from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property

MODERATORS_GROUP = "Moderators"


class TalkpageUserManager(UserManager):
    def get_by_login(self, login: str) -> "User":
        """The account a sign-in name refers to: username or email, any case.

        A name with "@" is read as an email address first; registration
        refuses "@" in usernames, but the admin can still create them.
        """
        if "@" in login:
            try:
                return self.get(email__iexact=login)
            except self.model.DoesNotExist:
                pass
        return self.get(username__iexact=login)


class User(AbstractUser):
    """A reader with an account.

    Usernames and emails are unique regardless of case, so "Alice" cannot
    register beside "alice" and one address cannot own two accounts.
    """

    email = models.EmailField("email address", max_length=254)

    objects = TalkpageUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.username

    @cached_property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        return self.groups.filter(name=MODERATORS_GROUP).exists()
