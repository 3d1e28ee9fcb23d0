"""What a comment says is shown as text; nothing in it ever runs."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "[x](javascript:window.__xss=1)",
    '<img src=x onerror="window.__xss=1">',
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "js-link", "img"])
def test_comment_markup_is_shown_as_text_and_never_runs(
    page, article, post_anonymously, unique_text, payload
):
    text = unique_text(payload)

    comment = post_anonymously(page, article.path, text)

    body = comment.locator(":scope > .comment-body")
    expect(body).to_contain_text(payload)
    expect(body.locator("script, img, [onerror]")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    for link in body.get_by_role("link").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript")
        link.click()
        assert page.evaluate("window.__xss") is None
    body.click()
    assert page.evaluate("window.__xss") is None
    page.reload()
    assert page.evaluate("window.__xss") is None
