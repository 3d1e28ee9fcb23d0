"""The picture of the product in docs/: the demo article with a discussion."""

import os
import struct

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1000, "height": 900}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_of_the_demo_article_with_a_discussion(
    new_context,
    demo_article,
    register,
    person_named,
    find_comment,
    pytestconfig,
    tmp_path,
):
    visitor = new_context(viewport=VIEWPORT).new_page()
    question = (
        "I started taking magnesium glycinate at night and I *think* I sleep "
        "better, but my pain is the same. Has anyone noticed a difference in "
        "the tender points after a few months?"
    )
    visitor.goto(demo_article.path)
    visitor.get_by_label("Your comment").fill(question)
    visitor.get_by_label("Name (optional)").fill("Marta")
    visitor.get_by_role("button", name="Post anonymously").click()
    expect(find_comment(visitor, "magnesium glycinate")).to_be_visible()

    member = new_context(viewport=VIEWPORT).new_page()
    register(member, person_named("priya"), next_path=demo_article.path)
    answer = (
        "Same here: better sleep, no change in pain. The trials in the "
        "references are small, so I would ask your doctor before raising "
        "the dose."
    )
    marta = find_comment(member, "magnesium glycinate")
    marta.locator(":scope > .comment-actions").get_by_role("link", name="Reply").click()
    marta.get_by_label("Your comment").fill(answer)
    marta.get_by_role("button", name="Post comment").click()
    expect(find_comment(member, "Same here")).to_be_visible()

    reader = new_context(viewport=VIEWPORT).new_page()
    reader.goto(demo_article.path)
    expect(reader.locator(".comment .author")).to_have_text(["Marta", "priya"])
    # The README's picture is refreshed on request only, so a test run
    # leaves the working tree as it found it.
    if os.environ.get("TALKPAGE_UPDATE_SCREENSHOT") == "1":
        target = pytestconfig.rootpath / "docs" / "screenshot.png"
    else:
        target = tmp_path / "screenshot.png"
    reader.screenshot(path=target, full_page=True)

    width, height = png_size(target.read_bytes())
    assert width == VIEWPORT["width"]
    assert height > VIEWPORT["height"]
