from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from talkpage.accounts.models import User
from talkpage.accounts.names import is_taken_name, name_skeleton
from talkpage.background.mail import send_later


class RegistrationForm(auth_forms.BaseUserCreationForm):
    email = forms.EmailField(label="Email", max_length=254)

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes = {"username": auth_forms.UsernameField}
        labels = {"username": "Username"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "Password"
        self.fields["password2"].label = "Confirm password"
        self.fields["password2"].help_text = ""
        self.fields["username"].help_text = (
            "Shown next to your comments (unless you post anonymously). "
            "Letters, digits and . + - _ only."
        )

    def clean_username(self):
        username = self.cleaned_data["username"]
        # Sign-in reads a name with "@" as an email address, so such a
        # username could never be used to sign in, and could pose as
        # someone else's address.
        if "@" in username:
            raise forms.ValidationError("A username cannot contain “@”.")
        # A name made only of punctuation has an empty look-alike key, which
        # nothing can be compared with.
        if not name_skeleton(username):
            raise forms.ValidationError("A username needs a letter or a digit.")
        # Taken also means a look-alike of an account ("b0b" beside "bob") or
        # a role word ("Moderator"): see talkpage.accounts.names.
        if is_taken_name(username):
            raise forms.ValidationError("That username is taken.")
        return username

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this email. Sign in, or use "
                "“Forgot password?” to get back into it."
            )
        return email


class SignInForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That username or email and password do not match.",
    }


class ForgotPasswordForm(auth_forms.PasswordResetForm):
    def save(self, **options):
        """Mails the link on TALKPAGE_BASE_URL, whatever the request says.

        Django would build it from the request's Host header, so a forged
        Host (or a wide ALLOWED_HOSTS) could send people a link that hands
        their token to another site.
        """
        base = urlsplit(settings.BASE_URL)
        options["domain_override"] = base.netloc
        options["use_https"] = base.scheme == "https"
        super().save(**options)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Queues the rendered message (this runs in the worker: see
        accounts/tasks.py)."""
        subject = loader.render_to_string(subject_template_name, context)
        subject = "".join(subject.splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        send_later(message)


class SetNewPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "Confirm new password"


class ChangePasswordForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "Confirm new password"


class PasswordConfirmedForm(forms.Form):
    """A form that asks for the current password before a sensitive change."""

    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


class ChangeEmailForm(PasswordConfirmedForm):
    TAKEN = "Another account already uses this email."

    email = forms.EmailField(label="New email", max_length=254)

    field_order = ["email", "password"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.user.pk)
        if taken.exists():
            raise forms.ValidationError(self.TAKEN)
        return email


class DeleteAccountForm(PasswordConfirmedForm):
    KEEP_ANONYMOUS = "anonymise"
    DELETE = "delete"

    comments = forms.ChoiceField(
        label="What should happen to your comments?",
        choices=[
            (KEEP_ANONYMOUS, "Keep them, shown as Anonymous"),
            (DELETE, "Delete them"),
        ],
        widget=forms.RadioSelect,
        initial=KEEP_ANONYMOUS,
    )

    field_order = ["comments", "password"]
