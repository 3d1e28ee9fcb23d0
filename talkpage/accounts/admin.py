from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from talkpage.accounts.models import User


@admin.register(User)
class TalkpageUserAdmin(UserAdmin):
    # Every account needs its own email: without the field here, every user
    # added in the admin got "" and the second one broke the unique index.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
