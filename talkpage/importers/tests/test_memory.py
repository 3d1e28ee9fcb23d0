"""Imports and exports stream: their memory does not grow with the file.

Every allocation is traced (tracemalloc), which makes an import about four
times slower; 5,000 comments keep the test within seconds, and
bench/import_speed.py measures 100,000 in a process of their own.
"""

import tracemalloc

import pytest

from talkpage.discussion.models import Comment
from talkpage.importers.models import ImportedComment
from talkpage.importers.services import export_comments, import_comments
from talkpage.importers.tests.exports import write_disqus_export

pytestmark = pytest.mark.django_db

# What an import holds is one chunk of comments at a time: a small chunk
# makes the difference between "bounded by the chunk" and "grows with the
# file" plain in a file of a few MB.
CHUNK = 100


def peak_memory(work) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def test_a_large_import_and_export_use_memory_that_does_not_grow_with_the_file(
    tmp_path, blog
):
    small = write_disqus_export(tmp_path / "small.xml", comments=3 * CHUNK)
    large = write_disqus_export(
        tmp_path / "large.xml", comments=5_000, first_id=100_000, seed=2
    )
    size = large.stat().st_size
    assert size > 3_000_000

    small_peak, _ = peak_memory(
        lambda: import_comments(format="disqus", path=small, chunk_size=CHUNK)
    )
    large_peak, summary = peak_memory(
        lambda: import_comments(format="disqus", path=large, chunk_size=CHUNK)
    )

    assert summary.comments_imported == 5_000
    assert summary.problems.total == 0
    assert not ImportedComment.objects.filter(awaiting_parent=True).exists()
    assert Comment.objects.filter(parent__isnull=False).count() > 1_500
    # Seventeen times the comments, at most a few times the memory (caches
    # that fill up, the map of threads): a chunk's worth, a fraction of the
    # file. Measured alone it is about 1.25 times; in a full suite's process
    # the small run's peak varies with what ran before.
    assert large_peak < 3 * small_peak, (large_peak, small_peak)
    assert large_peak < size / 2, (large_peak, size)

    exported = tmp_path / "export.json"
    export_peak, _ = peak_memory(lambda: export_comments(destination=exported))
    assert export_peak < exported.stat().st_size / 4, (export_peak, exported)
