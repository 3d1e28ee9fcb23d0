import unicodedata

from django import forms
from django.contrib.auth import get_user_model

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


class CommentForm(forms.Form):
    text = CommentTextField()
    # Anonymous visitors may give a name; signed-in users may hide theirs.
    name = forms.CharField(
        label="Name (optional)", required=False, max_length=MAX_NAME_LENGTH
    )
    anonymous = forms.BooleanField(label="Post anonymously", required=False)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    submission_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$", required=False, widget=forms.HiddenInput
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if any(_is_forbidden_char(ch) for ch in name):
            raise forms.ValidationError("Names cannot contain control characters.")
        User = get_user_model()  # noqa: N806
        if name and User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(
                "That name belongs to a registered member. Sign in to use it, "
                "or choose another name."
            )
        return name


class EditCommentForm(forms.Form):
    text = CommentTextField()
