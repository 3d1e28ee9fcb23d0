"""What the privacy tests share: posting as a browser does, and searching
the whole database for what an erasure must have removed."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models.functions import Cast
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment
from talkpage.testing import post_url, with_token

ALICES_NETWORK = "203.0.113.7"
MALLORYS_NETWORK = "198.51.100.20"


def browser(ip: str, user=None) -> Client:
    """A browser on the network of ``ip``, signed in as ``user`` if given."""
    client = Client(REMOTE_ADDR=ip)
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, article, text: str, **fields) -> Comment:
    """Post through the comment form; the new comment, from the database."""
    response = client.post(
        post_url(article), with_token(article, {"text": text, **fields})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Comment.objects.get(body=text)


def manage_link_in(html: str, comment: Comment) -> str:
    """The private link shown once in the message after anonymous posting."""
    match = re.search(
        rf'href="(https?://[^"]*/comments/{comment.pk}/manage/[^"]+)"', html
    )
    assert match, "no manage link on the page"
    return "/" + match[1].split("://", 1)[1].split("/", 1)[1]


@dataclass(frozen=True)
class Found:
    model: str  # "discussion.Comment"
    field: str
    pk: object
    needle: str


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def find_everywhere(*needles: str) -> set[Found]:
    """Every row of every model whose text, char (email, slug...) or JSON
    columns contain one of ``needles``, ignoring case."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        rows = model._base_manager.all()
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            for needle in needles:
                if isinstance(field, models.JSONField):
                    matching = rows.annotate(
                        as_text=Cast(field.name, models.TextField())
                    ).filter(as_text__icontains=needle)
                else:
                    matching = rows.filter(**{f"{field.name}__icontains": needle})
                for pk in matching.values_list("pk", flat=True):
                    found.add(Found(model._meta.label, field.name, pk, needle))
    return found


def sessions_of(user_pk: int) -> list[str]:
    """Keys of the sessions signed in as the account numbered ``user_pk``
    (the user id is inside the signed session data, where a text search
    cannot see it)."""
    return [
        session.session_key
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user_pk)
    ]


def privacy_page_html(client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("privacy:page"))
    assert response.status_code == 200
    return response.content.decode()


def remains_named_on_privacy_page() -> set[str]:
    return set(re.findall(r'data-remains="([^"]+)"', privacy_page_html()))
