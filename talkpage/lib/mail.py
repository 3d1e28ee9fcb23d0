"""Outgoing mail: configuration, the laptop outbox, sending without waiting.

``TALKPAGE_EMAIL_URL`` picks the transport:

- ``smtp://user:pass@host:25`` plain SMTP (add ``?starttls=1`` to upgrade)
- ``smtp+starttls://user:pass@host:587`` SMTP with STARTTLS
- ``smtps://user:pass@host:465`` SMTP over implicit TLS
- ``console://`` print messages to standard output
- empty: write each message as an ``.eml`` file under ``DATA_DIR/outbox``.
"""

import logging
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("talkpage.mail")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
OUTBOX_BACKEND = "talkpage.lib.mail.OutboxBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
URL_IN_TEXT = re.compile(r"https?://\S+")


def email_settings_from_url(url: str, outbox_dir: Path) -> dict:
    """Django EMAIL_* settings for an email URL (see module docstring)."""
    if not url:
        return {"EMAIL_BACKEND": OUTBOX_BACKEND, "EMAIL_FILE_PATH": str(outbox_dir)}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if scheme not in DEFAULT_PORTS:
        raise ImproperlyConfigured(
            f"TALKPAGE_EMAIL_URL scheme must be one of smtp, smtp+starttls, "
            f"smtps or console, not {parts.scheme!r}"
        )
    if not parts.hostname:
        raise ImproperlyConfigured("TALKPAGE_EMAIL_URL needs a host name")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    starttls = scheme == "smtp+starttls" or query.get("starttls") in {"1", "true"}
    if starttls and scheme == "smtps":
        # Django refuses EMAIL_USE_SSL with EMAIL_USE_TLS, but only when the
        # first message is sent; say so at start-up instead.
        raise ImproperlyConfigured(
            "TALKPAGE_EMAIL_URL: smtps:// is already encrypted, drop ?starttls"
        )
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ImproperlyConfigured("TALKPAGE_EMAIL_URL has a bad port") from None
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": 10,
    }


class OutboxBackend(BaseEmailBackend):
    """Writes each message to its own ``.eml`` file and logs where it went.

    This is what makes "Forgot password?" work on a laptop with no mail
    server: the link is in the console log and in the file.
    """

    def __init__(self, *, file_path: str | None = None, fail_silently=False, **kw):
        super().__init__(fail_silently=fail_silently)
        self.outbox = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.outbox.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            path = self.outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
            # Written aside, then renamed: whoever watches the outbox never
            # reads half a message.
            partial = path.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            partial.replace(path)
            body = message.body if isinstance(message.body, str) else ""
            logger.warning(
                "Mail to %s written to %s. Subject: %s. Links: %s",
                ", ".join(message.recipients()),
                path,
                message.subject,
                " ".join(URL_IN_TEXT.findall(body)) or "none",
            )
            sent += 1
        return sent


def one_line(text: str) -> str:
    """``text`` fit for a header: every kind of line break (CR, LF, U+2028,
    NEL...) becomes a space, so a name or title cannot start a header of
    its own (Django refuses CR and LF; this also covers the rest)."""
    return " ".join(text.splitlines()).strip()


class NotRetriedMailFilter(logging.Filter):
    """Drops django_tasks' report of a failed mail attempt: deliver_mail
    logs it already, saying whether and when it is tried again."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f"path={DELIVER_MAIL_PATH} state=FAILED" not in record.getMessage()


# Where talkpage.background.mail keeps its task (not imported here: logging
# is configured before Django's apps are ready).
DELIVER_MAIL_PATH = "talkpage.background.mail.deliver_mail"
