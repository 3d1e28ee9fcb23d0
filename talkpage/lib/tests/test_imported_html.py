"""HTML from other comment systems is cleaned against the comment allowlist."""

from talkpage.lib.markdown import render_comment, sanitise_imported_html


def test_it_removes_scripts_and_script_links():
    html = sanitise_imported_html(
        '<p>hi<script>alert(1)</script> <a href="javascript:alert(2)">x</a></p>'
    )
    assert html == '<p>hi <a rel="nofollow ugc noopener">x</a></p>'


def test_it_keeps_what_a_posted_comment_may_have_and_nothing_more():
    html = sanitise_imported_html(
        '<h1>Title</h1><p><em>a</em> <strong>b</strong> <code class="x">c</code>'
        "</p><blockquote><p>q</p></blockquote><ul><li>i</li></ul>"
        '<a href="https://ok.example" title="t" target="_blank">ok</a>'
    )
    assert html == (
        "Title<p><em>a</em> <strong>b</strong> <code>c</code></p>"
        "<blockquote><p>q</p></blockquote><ul><li>i</li></ul>"
        '<a href="https://ok.example" title="t" rel="nofollow ugc noopener">ok</a>'
    )


def test_rendered_comments_go_through_the_same_cleaning():
    text = "Some *words* and [a link](https://ok.example)"
    rendered = render_comment(text)
    assert sanitise_imported_html(rendered) == rendered
