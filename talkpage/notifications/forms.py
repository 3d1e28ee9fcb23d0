from django import forms
from django.core.validators import validate_email


def validate_notification_email(address: str) -> str:
    """An address given for reply emails, for callers without a form."""
    address = address.strip()
    if address:
        try:
            validate_email(address)
        except forms.ValidationError:
            raise forms.ValidationError("Please enter an email address.") from None
        if len(address) > 254:
            raise forms.ValidationError("Email addresses have at most 254 characters.")
    return address


class FollowForm(forms.Form):
    # Only readers without an account give one; members' mail goes to the
    # address on their account.
    email = forms.EmailField(
        label="Your email",
        required=False,
        max_length=254,
        error_messages={"invalid": "Please enter an email address."},
    )
