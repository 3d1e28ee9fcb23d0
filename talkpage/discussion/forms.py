import secrets
import time
import unicodedata

from django import forms
from django.conf import settings
from django.core import signing

from talkpage.accounts.names import is_taken_name
from talkpage.discussion.services import MAX_COMMENT_LENGTH

MAX_NAME_LENGTH = 80


class CommentTextField(forms.CharField):
    """The comment box: kept exactly as typed, refused when blank or long.

    ``strip=False`` because leading spaces can be a Markdown code block; the
    blank check looks through whitespace instead.
    """

    def __init__(self, **kwargs):
        super().__init__(
            label="Your comment",
            strip=False,
            max_length=MAX_COMMENT_LENGTH,
            widget=forms.Textarea(attrs={"rows": 6}),
            error_messages={
                "required": "Please write a comment before posting.",
                "max_length": (
                    "Comments can be at most %(limit_value)s characters; "
                    "yours has %(show_value)s. Please shorten it."
                ),
            },
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError(
                self.error_messages["required"], code="required"
            )
        if any(_is_forbidden_char(ch) for ch in value):
            raise forms.ValidationError(
                "Your comment contains invisible control characters; please "
                "remove them.",
                code="control_characters",
            )
        return value


def _is_forbidden_char(ch: str) -> bool:
    # Tabs and newlines are text; other control and surrogate code points
    # are never something a person meant to type.
    return ch not in "\t\n\r" and unicodedata.category(ch) in {"Cc", "Cs"}


FORM_TOKEN_SALT = "talkpage.discussion.comment-form"  # noqa: S105 (a salt)


def issue_form_token(article_id: int, *, issued_at: float | None = None) -> str:
    """A signed token for one comment form on one article.

    It carries the time the form was shown (posting much faster than a
    person reads and types is a script; a very old form has expired) and a
    random key that makes posting the same form twice create one comment.
    """
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    if issued_at is not None:
        signer.timestamp = lambda: signing.b62_encode(int(issued_at))
    return signer.sign_object({"a": article_id, "k": secrets.token_urlsafe(16)})


class CommentForm(forms.Form):
    text = CommentTextField()
    # Anonymous visitors may give a name; signed-in users may hide theirs.
    name = forms.CharField(
        label="Name (optional)", required=False, max_length=MAX_NAME_LENGTH
    )
    anonymous = forms.BooleanField(label="Post anonymously", required=False)
    notify = forms.BooleanField(label="Email me when someone replies", required=False)
    # Where replies are announced for a poster without an account (a
    # member's go to their account's address).
    email = forms.EmailField(
        label="Email (optional, for replies)",
        required=False,
        max_length=254,
        error_messages={"invalid": "Please enter an email address, or leave it empty."},
    )
    reply_to = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    form_token = forms.CharField(
        required=False, max_length=300, widget=forms.HiddenInput
    )
    # The honeypot: hidden from people by CSS, filled in by form-filling
    # scripts. Its name invites a bot; its label tells a screen reader user
    # to leave it alone.
    website = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, article_id: int, **kwargs):
        self.article_id = article_id
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_token"] = issue_form_token(article_id)

    def fresh_token(self) -> str:
        """A new token for re-showing this form after an error."""
        return issue_form_token(self.article_id)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") and not cleaned.get("notify"):
            # An address typed without the box ticked: the poster meant it.
            cleaned["notify"] = True
        return cleaned

    def clean_name(self):
        return validate_display_name(self.cleaned_data["name"])

    def clean_form_token(self):
        token = self.cleaned_data["form_token"]
        try:
            data = signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign_object(
                token, max_age=settings.TALKPAGE_FORM_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This form has expired. Your text is kept below: please post it again.",
                code="expired",
            ) from None
        except (signing.BadSignature, ValueError, TypeError):
            raise forms.ValidationError(
                "This form was not made by this site, or was damaged. Your text "
                "is kept below: please post it again.",
                code="forged",
            ) from None
        if not isinstance(data, dict) or data.get("a") != self.article_id:
            raise forms.ValidationError(
                "This form belongs to another article. Your text is kept "
                "below: please post it again.",
                code="forged",
            )
        issued = signing.b62_decode(token.split(":")[-2])
        if time.time() - issued < settings.TALKPAGE_MIN_SECONDS_TO_POST:
            raise forms.ValidationError(
                "That was quicker than anyone can read and write. Your text is "
                "kept below: please post it again.",
                code="too_fast",
            )
        return str(data.get("k", ""))[:64]

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class EditCommentForm(forms.Form):
    text = CommentTextField()


def validate_comment_text(text: str) -> str:
    """The comment box's rules, for callers without a form (the JSON API)."""
    return CommentTextField().clean(text)


def validate_display_name(name: str) -> str:
    """An anonymous poster's name: tidied, and never a member's or a
    moderator's (or a look-alike of one)."""
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise forms.ValidationError(
            f"Names can be at most {MAX_NAME_LENGTH} characters."
        )
    if any(_is_forbidden_char(ch) for ch in name):
        raise forms.ValidationError("Names cannot contain control characters.")
    if name and is_taken_name(name):
        raise forms.ValidationError(
            "That name belongs to a registered member or a moderator. Sign "
            "in to use it, or choose another name."
        )
    return name
