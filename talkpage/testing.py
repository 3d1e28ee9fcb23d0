"""What tests share besides fixtures: the people's password and content
factories. (Test modules import from here, never from a ``conftest``: with
several conftest files, ``import conftest`` finds whichever came first.)"""

import time
from datetime import UTC
from pathlib import Path

from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.lib.markdown import render_article

PASSWORD = "correct horse battery staple"  # noqa: S105

# Comments a moderator would mark as spam, and ones they would approve: to
# train the spam filter as moderators' decisions would.
SPAM = [
    "Best online casino bonus! Visit https://cheap-pills.example/casino now",
    "Cheap pills without prescription, fast shipping www.cheap-pills.example",
    "Win big at our casino tonight, claim your bonus https://cheap-pills.example",
    "Viagra and cialis at discount prices https://cheap-pills.example/v",
    "Free spins, jackpot casino, cheap pills http://cheap-pills.example/spin",
    "Buy pills online, no prescription needed https://cheap-pills.example",
]
HAM = [
    "My knee pain improved after physiotherapy and gentle stretching.",
    "Does anyone know if ibuprofen interacts with blood pressure medication?",
    "Thanks for the article, the explanation of cartilage was really clear.",
    "I crack my knuckles every day and my doctor says it is harmless.",
    "Walking daily helped my joints more than any supplement I tried.",
    "The study about arthritis seems small, was it ever replicated?",
]


def make_article(slug: str = "magnesium", title: str = "Magnesium?") -> Article:
    body = "Magnesium does **many** things."
    return Article.objects.create(
        slug=slug,
        title=title,
        summary="A short summary.",
        body_markdown=body,
        body_html=render_article(body),
        references=["Someone. A paper. 2011."],
        disclaimer="medical",
        published_at=timezone.now() - timezone.timedelta(days=1),
    )


def with_token(article: Article, data: dict) -> dict:
    """Comment form data as a browser would send it: with a form token
    issued a minute ago (posting faster than a person is refused)."""
    from talkpage.discussion.forms import issue_form_token

    return {
        "form_token": issue_form_token(article.pk, issued_at=time.time() - 60),
        **data,
    }


def post_url(article: Article) -> str:
    from django.urls import reverse

    return reverse("discussion:post", kwargs={"slug": article.slug})


def make_comment(
    article: Article,
    text: str,
    *,
    user=None,
    status: str = "published",
    in_reply_to=None,
    network_hash: str = "",
    anonymous: bool = False,
):
    """A comment as the form would post it under the open policy, then
    moved to ``status`` through the moderation services, so that counts
    are what they would be on a real site."""
    from talkpage.discussion.models import Comment
    from talkpage.discussion.services import post_comment
    from talkpage.moderation.services import set_status

    comment = post_comment(
        article=article,
        user=user,
        text=text,
        anonymous=anonymous,
        in_reply_to=in_reply_to,
        network_hash=network_hash,
    ).comment
    if comment.status != status:
        set_status(comment=comment, status=status, actor=None, action="test.setup")
    return Comment.objects.select_related("user").get(pk=comment.pk)


def load_settings(monkeypatch, tmp_path, **variables: str) -> dict:
    """The production settings module, run afresh with only these
    ``TALKPAGE_*`` variables (names without the prefix)."""
    import os
    import runpy

    import talkpage.config.settings as settings_module

    for name in list(os.environ):
        if name.startswith("TALKPAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TALKPAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TALKPAGE_SECRET_KEY", "s" * 50)
    for name, value in variables.items():
        monkeypatch.setenv(f"TALKPAGE_{name}", value)
    return runpy.run_path(settings_module.__file__)


def run_queued_tasks(*, including_later: bool = False, until=None) -> int:
    """Runs every queued task that is due, in the order they fall due, as
    ``talkpage worker`` would (in this process and this test's transaction).
    ``until`` runs those due by then as if that time had come (a batched
    notification, a retry); ``including_later`` runs everything. Repeating
    jobs are left out. Returns how many ran."""
    from datetime import datetime

    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult, TaskResultStatus, get_date_max

    if including_later:
        until = datetime.max.replace(tzinfo=UTC)
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
    )

    def due(result) -> datetime:
        # No run_after is stored as the latest date: "as soon as possible".
        return (
            result.enqueued_at
            if result.run_after == get_date_max()
            else result.run_after
        )

    ran = 0
    # Bounded: work that keeps making work stops here.
    for _ in range(1000):
        queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(
            task_path__startswith="talkpage.background.schedule"
        )
        now = until or timezone.now()
        candidates = [r for r in queued if due(r) <= now]
        if not candidates:
            break
        result = min(candidates, key=lambda r: (due(r), r.enqueued_at))
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def deliver_queued_mail() -> int:
    """Sends the mail queued so far (and anything queued while doing so)."""
    return run_queued_tasks()


class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it
    accepts. It can be stopped and started again on the same port: a mail
    server that goes down and comes back."""

    def __init__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages = []
        # Recipients it answers "550 no such user", as a real server would.
        self.refused: set[str] = set()
        self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        from email import message_from_bytes, policy

        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "MailServer":
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def use_in(self, settings) -> None:
        """Points Django's mail settings (pytest-django's ``settings``) here."""
        from talkpage.lib.mail import email_settings_from_url

        for name, value in email_settings_from_url(self.url, Path()).items():
            setattr(settings, name, value)
        settings.EMAIL_TIMEOUT = 3


def path_of(link: str) -> str:
    """The path of an absolute link from a message, for the test client."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def plain_body(message) -> str:
    """The text part of a message an SMTP server (or the outbox) received."""
    return message.get_body(preferencelist=("plain",)).get_content()


def subject_of(message) -> str:
    """The subject as one line (a non-ASCII one is folded onto a line of
    its own)."""
    return " ".join(str(message["Subject"]).split())
