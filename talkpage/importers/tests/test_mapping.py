"""Which article each imported thread lands under."""

import pytest

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment
from talkpage.embeds.models import Site
from talkpage.importers.mapping import ImportOptionError, find_site
from talkpage.importers.services import import_comments
from talkpage.importers.tests.exports import DisqusPost, disqus_xml, write

pytestmark = pytest.mark.django_db


def run_import(tmp_path, links: list[str], **options):
    threads = [(f"t{n}", link, f"Page {n}") for n, link in enumerate(links)]
    posts = [DisqusPost(f"p{n}", f"t{n}") for n in range(len(links))]
    path = write(tmp_path / "disqus.xml", disqus_xml(threads, posts))
    return import_comments(format="disqus", path=path, **options)


def test_an_article_page_on_our_base_url_maps_to_that_article(
    tmp_path, article, settings
):
    settings.BASE_URL = "https://talk.example"
    summary = run_import(
        tmp_path,
        [
            "https://talk.example/articles/magnesium/",
            "http://TALK.example:443/articles/magnesium/#comments",
        ],
    )
    assert summary.threads_mapped == 2
    assert article.comments.count() == 2
    article.refresh_from_db()
    assert article.comment_count == 2


def test_a_base_url_with_a_path_prefix_is_understood(tmp_path, article, settings):
    settings.BASE_URL = "https://example.org/talk"
    run_import(tmp_path, ["https://example.org/talk/articles/magnesium/"])
    assert article.comments.count() == 1


def test_our_addresses_that_are_no_article_map_nowhere(tmp_path, article, settings):
    settings.BASE_URL = "https://talk.example"
    summary = run_import(
        tmp_path,
        ["https://talk.example/articles/unknown/", "https://talk.example/about/"],
    )
    assert not Comment.objects.exists()
    reasons = sorted(thread.reason for thread in summary.unmapped_threads.items)
    assert reasons == [
        "an address on TALKPAGE_BASE_URL that is no article page",
        "no article has the slug 'unknown'",
    ]


def test_an_address_on_a_registered_origin_maps_to_its_embed_thread(tmp_path, blog):
    existing = Article.objects.create(
        site=blog, page_url="https://blog.example/a", slug="embed-a", title="A"
    )
    summary = run_import(
        tmp_path,
        ["http://blog.example/a/?utm_medium=x", "https://blog.example/b/index.html"],
    )
    assert existing.comments.count() == 1
    created = Article.objects.get(site=blog, page_url="https://blog.example/b")
    assert created.comments.count() == 1
    assert created.title == "Page 1"
    assert (summary.threads_mapped, summary.threads_created) == (2, 1)


def test_unmatched_addresses_go_under_the_site_given(tmp_path, blog):
    summary = run_import(
        tmp_path, ["https://old-blog.example/x/"], site=find_site("The blog")
    )
    thread = Comment.objects.get().article
    assert thread.site == blog
    assert thread.page_url == "https://old-blog.example/x"
    assert summary.unmapped_threads.total == 0


def test_everything_goes_into_the_article_given(tmp_path, article, blog):
    run_import(
        tmp_path,
        ["https://blog.example/a/", "https://elsewhere.example/", ""],
        article=article,
    )
    assert article.comments.count() == 3
    assert not blog.threads.exists()


def test_threads_that_map_nowhere_are_reported_and_their_comments_skipped(
    tmp_path, blog
):
    summary = run_import(
        tmp_path,
        ["https://blog.example/kept/", "https://gone.example/x", "ftp://files/", ""],
    )
    assert Comment.objects.count() == 1
    assert summary.skipped == 3
    assert summary.skipped_in_unmapped_threads == 3
    listed = {thread.url: thread for thread in summary.unmapped_threads.items}
    assert listed["https://gone.example/x"].comments == 1
    assert "no registered site embeds from https://gone.example" in (
        listed["https://gone.example/x"].reason
    )
    assert listed["ftp://files/"].reason == "'ftp://files/' is not an http(s) address"
    assert listed[""].reason == "the thread has no address"
    assert any("Threads that map nowhere" in line for line in summary.lines())


def test_only_the_first_twenty_unmapped_threads_are_listed_the_rest_counted(
    tmp_path, blog
):
    summary = run_import(tmp_path, [f"https://gone.example/{n}" for n in range(25)])
    assert len(summary.unmapped_threads.items) == 20
    assert summary.unmapped_threads.total == 25
    assert "  ... and 5 more" in summary.lines()


def test_a_site_is_found_by_key_or_by_a_name_only_it_has(blog):
    assert find_site(blog.key) == blog
    assert find_site("The blog") == blog
    Site.objects.create(name="The blog")
    with pytest.raises(ImportOptionError, match="several sites"):
        find_site("The blog")
    with pytest.raises(ImportOptionError, match="no site"):
        find_site("nothing")
