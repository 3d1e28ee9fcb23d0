"""Embedded pages: which thread an external page's URL belongs to.

The URL is normalised so one page does not split into several threads:
scheme (http and https are one page), host case, default ports, trailing
slashes, fragments and tracking parameters do not make a new thread.
"""

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.embeds.models import Site

TRACKING_PARAMETERS = {
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src",
    "igshid", "_ga", "yclid",
}  # fmt: skip
MAX_URL_LENGTH = 2000


class BadPageUrl(ValueError):
    pass


def normalise_page_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise BadPageUrl("The page URL must be an http or https address.")
    if len(url) > MAX_URL_LENGTH:
        raise BadPageUrl("The page URL is too long.")
    host = parts.hostname.lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    for index in ("/index.html", "/index.htm"):
        if path.endswith(index):
            path = path[: -len(index)] or "/"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMETERS
    )
    normalised = f"https://{host}{path}"
    if query:
        normalised += "?" + urlencode(query)
    return normalised


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def thread_slug(site: Site, page_url: str) -> str:
    digest = hashlib.sha256(page_url.encode()).hexdigest()[:16]
    return f"embed-{site.pk}-{digest}"


def find_thread(site: Site, url: str) -> Article | None:
    return Article.objects.filter(site=site, page_url=normalise_page_url(url)).first()


def get_or_create_thread(site: Site, url: str, *, title: str = "") -> Article:
    """The thread of an external page, made on its first comment."""
    page_url = normalise_page_url(url)
    existing = Article.objects.filter(site=site, page_url=page_url).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Article.objects.create(
                site=site,
                page_url=page_url,
                slug=thread_slug(site, page_url),
                title=(title.strip() or page_url)[:300],
                body_markdown="",
                body_html="",
                published_at=timezone.now(),
            )
    except IntegrityError:  # the first two comments raced
        return Article.objects.get(site=site, page_url=page_url)
