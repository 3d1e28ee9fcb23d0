from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from talkpage.accounts.names import MAX_SKELETON_LENGTH, name_skeleton

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
    # When the owner proved the address is theirs (the link we mailed to
    # it); empty for a new or changed address. Until then the account signs
    # in and posts, but gets no notification mail.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # The name shown next to comments when it is not the username: the name
    # a host site gives its users who sign in through SSO.
    display_name = models.CharField(max_length=150, blank=True)
    # The username's look-alike key (see talkpage.accounts.names), indexed so
    # that checking a display name against every account is one lookup.
    # Not unique: accounts made before the rule may already share a key.
    name_skeleton = models.CharField(
        max_length=MAX_SKELETON_LENGTH, db_index=True, editable=False, blank=True
    )

    objects = TalkpageUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.username

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # name_skeleton is a derived column, not business logic: it must match
        # the username whoever writes the row (registration, admin,
        # createsuperuser, a rename), and save() is the one path they share.
        # QuerySet.update() and bulk_create() skip it; refresh_name_skeletons()
        # repairs what they leave behind.
        self.name_skeleton = name_skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_skeleton"}
        existed = self.pk is not None
        super().save(*args, **kwargs)
        names = {"username", "display_name"}
        if existed and (update_fields is None or names & set(update_fields)):
            # Their name is on every page they commented on.
            from talkpage.articles.models import Article

            Article.objects.filter(
                pk__in=self.comments.values("article_id")
            ).discussion_changed()

    @cached_property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        return self.groups.filter(name=MODERATORS_GROUP).exists()
