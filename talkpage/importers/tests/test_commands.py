"""`talkpage import` and `talkpage export`, as an operator runs them."""

import json

import pytest
from django.core.management import call_command

from talkpage.cli import main as talkpage
from talkpage.discussion.models import Comment
from talkpage.importers.tests.exports import DisqusPost, disqus_xml, write

# The command line closes Django's connections when a command ends, as a
# process would; a test transaction around it would be closed with them.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def disqus_file(tmp_path):
    return write(
        tmp_path / "disqus.xml",
        disqus_xml(
            [("t1", "https://old.example/a/", "A")],
            [DisqusPost("1", "t1"), DisqusPost("2", "t1", created_at="never")],
        ),
    )


def test_talkpage_import_imports_and_prints_a_summary(disqus_file, blog, capsys):
    assert talkpage(["import", "disqus", str(disqus_file), "--site", blog.key]) == 0
    out, err = capsys.readouterr()
    assert "comments: 1 imported, 0 already imported, 1 skipped" in out
    assert "post 2 (dsq:id 2): bad date" in out
    # The progress bar, on stderr: not a terminal here, so plain lines.
    assert "reading   [########################] 100%" in err
    assert Comment.objects.get().article.site == blog


def test_the_same_import_is_a_management_command(disqus_file, article, capsys):
    assert (
        talkpage(
            ["manage", "import_comments", "disqus", str(disqus_file), "--article",
             "magnesium", "-v", "0"]
        )
        == 0
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert err == ""  # no progress at verbosity 0
    assert article.comments.count() == 1


def test_bad_input_is_one_line_and_exit_status_2(tmp_path, disqus_file, capsys):
    not_xml = write(tmp_path / "notes.xml", "hello")
    cases = [
        (["import", "disqus", str(tmp_path / "missing.xml")], "no such file"),
        (["import", "disqus", str(not_xml)], "not well-formed XML"),
        (["import", "disqus", str(disqus_file), "--site", "nope"], "no site has"),
        (["import", "disqus", str(disqus_file), "--article", "nope"], "no article"),
        (["import", "talkpage", str(not_xml)], "not valid JSON"),
        (["import", "isso", str(not_xml)], "not an SQLite file"),
        (["import", "blogger", str(not_xml)], "invalid choice: 'blogger'"),
        (["import", "isso", str(not_xml), "--base-url", "blog"], "not an http(s)"),
        (
            ["import", "talkpage", str(not_xml), "--base-url", "https://b.example"],
            "do not apply",
        ),
    ]
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit:
            talkpage(argv)
        assert exit.value.code == 2, argv
        err = capsys.readouterr().err
        assert message in err, argv
        assert "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert message in last, argv
    assert not Comment.objects.exists()


def test_talkpage_export_writes_the_document(tmp_path, article, capsys):
    Comment.objects.create(article=article, body="hi", body_html="<p>hi</p>",
                           created_at=article.published_at)  # fmt: skip
    path = tmp_path / "export.json"
    assert talkpage(["export", str(path)]) == 0
    out, _ = capsys.readouterr()
    assert "Exported 0 sites, 1 articles and 1 comments" in out
    document = json.loads(path.read_text())
    assert document["comments"][0]["body"] == "hi"
    assert not list(tmp_path.glob("*.partial"))


def test_talkpage_export_to_stdout_keeps_the_report_apart(article, capsys):
    call_command("export_comments", "-", verbosity=0)
    out, _ = capsys.readouterr()
    assert json.loads(out)["articles"][0]["slug"] == "magnesium"


def test_exporting_into_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        talkpage(["export", str(tmp_path / "nowhere" / "export.json")])
    assert exit.value.code == 2
    assert "no such folder" in capsys.readouterr().err
