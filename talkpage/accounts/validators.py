from django.core.exceptions import ValidationError

MAX_PASSWORD_LENGTH = 1024


class MaximumLengthValidator:
    """Refuses absurd passwords before they reach the hasher.

    Long passphrases are welcome (no silent truncation: Argon2 hashes all of
    it), but a megabyte "password" is an attempt to burn CPU.
    """

    def validate(self, password, user=None):
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                f"Passwords can be at most {MAX_PASSWORD_LENGTH} characters.",
                code="password_too_long",
            )

    def get_help_text(self):
        return f"At most {MAX_PASSWORD_LENGTH} characters."
