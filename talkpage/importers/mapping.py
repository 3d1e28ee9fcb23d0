"""Which article an imported thread's comments go under.

A page address from another system maps, in this order, to:

1. the one article given with ``--article`` (everything goes there);
2. an article of ours, when the address is an article page on
   TALKPAGE_BASE_URL (``/articles/<slug>/``);
3. the embed thread of that page, when the address's origin is one a
   registered site embeds from (http and https count as one, as they do
   for embed threads);
4. an embed thread of the ``--site`` site, for any other address;
5. nowhere: the thread is reported and its comments are skipped.

Talkpage's own exports carry their articles and sites, which are found
(by slug, or by site key and page address) or created.
"""

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve

from talkpage.articles.models import Article
from talkpage.embeds.models import Site, SiteOrigin
from talkpage.embeds.pages import (
    BadPageUrl,
    get_or_create_thread,
    normalise_page_url,
    origin_of,
)
from talkpage.importers.records import SourceSite, SourceThread
from talkpage.lib.markdown import render_article


class ImportOptionError(ValueError):
    """An option naming something that is not here (a site, an article)."""


@dataclass(frozen=True)
class ThreadMapping:
    article: Article | None
    created: bool = False
    # Why the thread maps nowhere.
    reason: str = ""


def find_site(name_or_key: str) -> Site:
    site = Site.objects.filter(key=name_or_key).first()
    if site is not None:
        return site
    named = list(Site.objects.filter(name=name_or_key)[:2])
    if len(named) > 1:
        raise ImportOptionError(
            f"several sites are named {name_or_key!r}: give the site key instead"
        )
    if not named:
        raise ImportOptionError(
            f"no site has the key or name {name_or_key!r} "
            "(talkpage manage addsite registers one)"
        )
    return named[0]


def find_article(slug: str) -> Article:
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        raise ImportOptionError(f"no article has the slug {slug!r}")
    return article


class UrlMapper:
    """Maps the page addresses of Disqus, WordPress and Isso threads."""

    # Threads are mapped when their first comment is written: exports list
    # every page ever visited, and most have no comments.
    eager = False

    def __init__(
        self, *, article: Article | None = None, site: Site | None = None, base_url: str
    ):
        self.article = article
        self.site = site
        # Relative addresses (Isso stores paths) are resolved against it.
        self.base_url = base_url.rstrip("/") + "/"

    def add_site(self, site: SourceSite) -> None:
        pass  # only Talkpage exports carry sites

    def thread(self, thread: SourceThread) -> ThreadMapping:
        if self.article is not None:
            return ThreadMapping(self.article)
        given = thread.url.strip()
        if not given:
            return ThreadMapping(None, reason="the thread has no address")
        url = urljoin(self.base_url, given)
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return ThreadMapping(None, reason=f"{given!r} is not an http(s) address")
        if _on_our_host(url):
            return self._our_article(url)
        site = _site_embedding(url) or self.site
        if site is None:
            return ThreadMapping(
                None,
                reason="no article here, and no registered site embeds from "
                f"{origin_of(url)} (use --site to put it under one)",
            )
        try:
            page_url = normalise_page_url(url)
        except BadPageUrl as error:
            return ThreadMapping(None, reason=str(error))
        existing = Article.objects.filter(site=site, page_url=page_url).first()
        if existing is not None:
            return ThreadMapping(existing)
        return ThreadMapping(
            get_or_create_thread(site, url, title=thread.title), created=True
        )

    def _our_article(self, url: str) -> ThreadMapping:
        base_path = urlsplit(settings.BASE_URL).path.rstrip("/")
        path = urlsplit(url).path
        slug = None
        if path.startswith(base_path + "/"):
            try:
                match = resolve(path[len(base_path) :])
            except Resolver404:
                match = None
            if match is not None and match.view_name == "articles:detail":
                slug = match.kwargs["slug"]
        if slug is None:
            return ThreadMapping(
                None, reason="an address on TALKPAGE_BASE_URL that is no article page"
            )
        article = Article.objects.filter(slug=slug, site__isnull=True).first()
        if article is None:
            return ThreadMapping(None, reason=f"no article has the slug {slug!r}")
        return ThreadMapping(article)


def _on_our_host(url: str) -> bool:
    ours, theirs = urlsplit(settings.BASE_URL), urlsplit(url)
    return (ours.hostname, _port(ours)) == (theirs.hostname, _port(theirs))


def _port(parts) -> int | None:
    # http and https are one page, so their default ports are one port.
    return None if parts.port in (None, 80, 443) else parts.port


def _site_embedding(url: str) -> Site | None:
    origin = origin_of(url)
    scheme, _, rest = origin.partition("://")
    other = f"{'https' if scheme == 'http' else 'http'}://{rest}"
    for candidate in (origin, other):
        found = (
            SiteOrigin.objects.filter(origin=candidate)
            .select_related("site")
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found.site
    return None


class ExportMapper:
    """Maps the articles of a Talkpage export: found, or created."""

    # Every article is made as it is read, with comments or not, and in the
    # export's order.
    eager = True

    def __init__(self, *, article: Article | None = None):
        self.article = article
        self.sites: dict[str, Site | None] = {}

    def add_site(self, site: SourceSite) -> None:
        if self.article is not None:
            return
        with transaction.atomic():
            found = Site.objects.filter(key=site.key).first()
            if found is None:
                found = Site.objects.create(
                    key=site.key[:40], name=site.name[:200] or site.key
                )
            for origin in site.origins:
                if len(origin) <= 300:
                    found.origins.get_or_create(origin=origin)
        self.sites[site.key] = found

    def thread(self, thread: SourceThread) -> ThreadMapping:
        if self.article is not None:
            return ThreadMapping(self.article)
        fields = dict(thread.article or {})
        site_key = fields.pop("site")
        if site_key:
            site = self.sites.get(site_key)
            if site is None:
                return ThreadMapping(
                    None, reason=f"its site {site_key!r} is not in the export"
                )
            existing = Article.objects.filter(
                site=site, page_url=fields["page_url"]
            ).first()
        else:
            site = None
            existing = Article.objects.filter(slug=fields["slug"]).first()
            if existing is not None and existing.site_id is not None:
                return ThreadMapping(
                    None,
                    reason=f"the slug {fields['slug']!r} is an embed thread here",
                )
        if existing is not None:
            return ThreadMapping(existing)
        if Article.objects.filter(slug=fields["slug"]).exists():
            return ThreadMapping(
                None, reason=f"the slug {fields['slug']!r} is taken here"
            )
        body = fields["body_markdown"]
        article = Article.objects.create(
            **fields, site=site, body_html=render_article(body) if body else ""
        )
        return ThreadMapping(article, created=True)
