"""Moving comments in and out: imports from Disqus, WordPress, Isso and
Talkpage's own export (``import_comments``), and that export
(``export_comments``).

An import takes three steps, each in memory bounded by the chunk size
whatever the size of the file:

1. Read. The format's reader streams records; comments are written in
   chunks, one transaction each, top-level for now, each with an
   :class:`~talkpage.importers.models.ImportedComment` saying where it came
   from and what it answered.
2. Thread. Replies are linked, chunk by chunk, in rounds: a reply is placed
   once the comment it answers is placed, exactly as posting it would place
   it. A file may list a reply before its parent; a parent that is not in
   the file leaves its reply at the top level, reported.
3. Count. Each touched article's and thread's counts are recomputed from
   the rows, and their discussions marked changed so cached pages move on.

An import stopped half-way (a broken file, Ctrl-C) leaves what it wrote
consistent once it is run again: nothing is imported twice, and replies
still waiting for their parents are linked by the next run.
"""

import gzip
import os
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower

from talkpage.accounts.models import User
from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, fingerprint_of, wilson_lower_bound
from talkpage.discussion.services import place_in_thread
from talkpage.embeds.models import Site
from talkpage.importers.exports import ExportSummary, write_export
from talkpage.importers.formats import disqus, isso, talkpage, wordpress
from talkpage.importers.mapping import ExportMapper, ImportOptionError, UrlMapper
from talkpage.importers.models import ImportedComment
from talkpage.importers.records import (
    ImportFileError,
    Problem,
    Record,
    SkippedByType,
    SourceComment,
    SourceName,
    SourceSite,
    SourceThread,
)
from talkpage.importers.summary import ImportSummary, UnmappedThread
from talkpage.moderation.services import record as record_event

FORMATS = ("disqus", "wordpress", "isso", "talkpage")
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_SIZE = 500
MAX_NAME_LENGTH = Comment._meta.get_field("author_name").max_length
MAX_SOURCE_ID_LENGTH = ImportedComment._meta.get_field("source_id").max_length

# progress(stage, done, total, unit): stage is "reading", "threading" or
# "counting"; called often, so the caller decides how often to show it.
Progress = Callable[[str, int, int, str], None]


class ImportFailed(Exception):
    """The file could not be read to its end. ``summary`` says what was
    imported before that (None if nothing was read)."""

    def __init__(self, message: str, summary: ImportSummary | None = None):
        super().__init__(message)
        self.summary = summary


def import_comments(
    *,
    format: str,
    path: Path,
    article: Article | None = None,
    site: Site | None = None,
    base_url: str = "",
    source_key: str = "",
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportSummary:
    """Import the comments of the ``format`` export at ``path``.

    ``article`` puts every comment under that article; ``site`` puts those
    of pages that map nowhere else under that site's embed threads;
    ``base_url`` is what relative page addresses (Isso's) are resolved
    against (default: the first origin of ``site``, else TALKPAGE_BASE_URL);
    ``source_key`` replaces the name the import is idempotent under.
    """
    if format not in FORMATS:
        raise ImportOptionError(
            f"unknown format {format!r}: use one of {', '.join(FORMATS)}"
        )
    if article is not None and site is not None:
        raise ImportOptionError("give --article or --site, not both")
    if base_url and not _is_web_address(base_url):
        raise ImportOptionError(f"--base-url {base_url!r} is not an http(s) address")
    if not path.is_file():
        raise ImportFailed("no such file")
    if format == "talkpage":
        if site is not None or base_url:
            raise ImportOptionError(
                "a Talkpage export carries its sites and addresses: "
                "--site and --base-url do not apply"
            )
        mapper = ExportMapper(article=article)
    else:
        base_url = base_url or _default_base_url(site)
        mapper = UrlMapper(article=article, site=site, base_url=base_url)
    run = _Import(
        summary=ImportSummary(format=format, file=path.name),
        mapper=mapper,
        source_key=source_key,
        progress=progress,
        chunk_size=chunk_size,
    )
    if format == "isso":
        rows = _isso_progress(progress)
        return run.run(isso.read(path, base_url=base_url, on_row=rows))
    reader = {"disqus": disqus, "wordpress": wordpress, "talkpage": talkpage}[format]
    with path.open("rb") as file:
        stream = _CountingReader(file, total=path.stat().st_size, progress=progress)
        # Disqus mails its export gzipped: read it as it comes.
        if file.read(2) == GZIP_MAGIC:
            file.seek(0)
            with gzip.GzipFile(fileobj=stream) as unzipped:
                return run.run(reader.read(_Unzipping(unzipped)))
        file.seek(0)
        return run.run(reader.read(stream))


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _default_base_url(site: Site | None) -> str:
    origin = site.origins.order_by("pk").first() if site is not None else None
    return origin.origin if origin is not None else settings.BASE_URL


def _isso_progress(progress: Progress | None):
    if progress is None:
        return None
    return lambda done, total: progress("reading", done, total, "comments")


class _Unzipping:
    """A gzip stream whose damage is an unreadable file, not a crash."""

    def __init__(self, unzipped: gzip.GzipFile):
        self.unzipped = unzipped

    def read(self, size: int = -1) -> bytes:
        try:
            return self.unzipped.read(size)
        except (OSError, EOFError, zlib.error) as error:
            raise ImportFileError(f"the gzip file is damaged ({error})") from None


class _CountingReader:
    """A binary file that reports how far it has been read."""

    def __init__(self, file, *, total: int, progress: Progress | None):
        self.file = file
        self.total = total
        self.done = 0
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.done += len(data)
        if self.progress is not None:
            self.progress("reading", self.done, self.total, "bytes")
        return data


class _Import:
    def __init__(
        self,
        *,
        summary: ImportSummary,
        mapper: UrlMapper | ExportMapper,
        source_key: str,
        progress: Progress | None,
        chunk_size: int,
    ):
        self.summary = summary
        self.mapper = mapper
        self.source = source_key
        self.source_fixed = bool(source_key)
        self.progress = progress
        self.chunk_size = chunk_size
        self.run_id = uuid.uuid4()
        # Threads read but not yet needed; then each thread's article id, or
        # None with why it maps nowhere. Memory grows with threads, never
        # with comments.
        self.threads: dict[str, SourceThread] = {}
        self.articles: dict[str, int | None] = {}
        self.unmapped: dict[str, tuple[str, str]] = {}
        self.skipped_per_thread: dict[str, int] = {}
        self.pending: list[SourceComment] = []
        self.touched: set[int] = set()

    def run(self, records: Iterable[Record]) -> ImportSummary:
        failure = None
        try:
            self._read(records)
        except ImportFileError as error:
            failure = str(error)
        self._flush()
        if failure is not None and not (
            self.summary.comments_imported or self.summary.already_imported
        ):
            raise ImportFailed(failure)
        self.summary.source = self.source
        self._thread_replies()
        self._recount()
        self._report_unmapped()
        self._record_event()
        if failure is not None:
            raise ImportFailed(failure, self.summary)
        return self.summary

    # --- 1. Read --------------------------------------------------------

    def _read(self, records: Iterable[Record]) -> None:
        for record in records:
            if isinstance(record, SourceComment):
                self._take(record)
            elif isinstance(record, SourceThread):
                self.summary.threads_in_file += 1
                if (
                    record.source_id in self.threads
                    or record.source_id in self.articles
                ):
                    self.summary.add_problem(
                        Problem(
                            f"thread {record.source_id}",
                            "duplicate thread id",
                            "",
                            "the first one is used",
                            skipped=False,
                        )
                    )
                else:
                    self.threads[record.source_id] = record
                    if self.mapper.eager:
                        self._map(record.source_id)
            elif isinstance(record, Problem):
                self.summary.add_problem(record)
            elif isinstance(record, SkippedByType):
                self.summary.not_comments[record.kind] += 1
                self.summary.skipped += 1
            elif isinstance(record, SourceSite):
                self.mapper.add_site(record)
            elif isinstance(record, SourceName) and not self.source_fixed:
                # The first one counts: it comes before any comment.
                self.source, self.source_fixed = record.key[:200], True

    def _take(self, comment: SourceComment) -> None:
        if len(comment.source_id) > MAX_SOURCE_ID_LENGTH:
            self._skip(comment, "id too long", f"{len(comment.source_id)} characters")
            return
        thread_id = comment.thread_id
        if thread_id not in self.articles and thread_id not in self.threads:
            self._skip(
                comment, "unknown thread", f"thread {thread_id} is not in the file"
            )
            return
        if thread_id in self.articles and self.articles[thread_id] is None:
            self._skip_unmapped(thread_id)
            return
        self.pending.append(comment)
        if len(self.pending) >= self.chunk_size:
            self._flush()

    def _skip_unmapped(self, thread_id: str) -> None:
        self.skipped_per_thread[thread_id] += 1
        self.summary.skipped_in_unmapped_threads += 1
        self.summary.skipped += 1

    def _skip(self, comment: SourceComment, kind: str, detail: str) -> None:
        self.summary.add_problem(
            Problem(comment.position, kind, detail, "skipped", skipped=True)
        )

    def _map(self, thread_id: str) -> None:
        thread = self.threads.pop(thread_id)
        mapping = self.mapper.thread(thread)
        if mapping.article is None:
            self.articles[thread_id] = None
            self.unmapped[thread_id] = (thread.url, mapping.reason)
            self.skipped_per_thread[thread_id] = 0
            return
        self.articles[thread_id] = mapping.article.pk
        self.summary.threads_mapped += 1
        self.summary.threads_created += int(mapping.created)

    def _flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        # One transaction per chunk, new embed threads included: on SQLite
        # each commit waits for the disk, and a thread each took 7 ms.
        with transaction.atomic():
            self._write(pending)

    def _write(self, pending: list[SourceComment]) -> None:
        for thread_id in dict.fromkeys(comment.thread_id for comment in pending):
            if thread_id not in self.articles:
                self._map(thread_id)
        chunk = []
        for comment in pending:
            article_id = self.articles[comment.thread_id]
            if article_id is None:
                self._skip_unmapped(comment.thread_id)
            else:
                chunk.append((article_id, comment))
        source_ids = {comment.source_id for _, comment in chunk}
        earlier = dict(
            ImportedComment.objects.filter(
                source=self.source, source_id__in=source_ids
            ).values_list("source_id", "run")
        )
        accounts = _Accounts(comment for _, comment in chunk)
        in_chunk: set[str] = set()
        rows: list[tuple[SourceComment, Comment]] = []
        for article_id, comment in chunk:
            source_id = comment.source_id
            if source_id in in_chunk or earlier.get(source_id) == self.run_id:
                self._skip_duplicate(comment)
                continue
            in_chunk.add(source_id)
            if source_id in earlier:
                self.summary.already_imported += 1
            else:
                rows.append((comment, self._row(article_id, comment, accounts)))
        seen_before = [sid for sid, run in earlier.items() if run != self.run_id]
        # Claimed by this run, so a second copy further down the file is a
        # duplicate, not "already imported" again.
        ImportedComment.objects.filter(
            source=self.source, source_id__in=seen_before
        ).update(run=self.run_id)
        Comment.objects.bulk_create([row for _, row in rows])
        ImportedComment.objects.bulk_create(
            ImportedComment(
                source=self.source,
                source_id=comment.source_id,
                # The id, not the row: a one-to-one caches each side on the
                # other, and a chunk of such cycles waits for the collector.
                comment_id=row.pk,
                run=self.run_id,
                source_reply_to=comment.reply_to,
                source_display_parent=comment.display_parent,
                awaiting_parent=bool(comment.reply_to),
            )
            for comment, row in rows
        )
        self.summary.comments_imported += len(rows)
        self.touched.update(row.article_id for _, row in rows)

    def _skip_duplicate(self, comment: SourceComment) -> None:
        self.summary.add_problem(
            Problem(
                comment.position,
                "duplicate id",
                f"id {comment.source_id} appears earlier in the file",
                "skipped: imported once",
                skipped=True,
            )
        )

    def _row(self, article_id: int, comment: SourceComment, accounts) -> Comment:
        user = accounts.author_of(comment)
        name = comment.author_name.strip()
        if user is None and comment.username and not comment.anonymous:
            # An account that is not here: its name, without the account.
            name = (comment.account_name or comment.username).strip()
        if comment.deleted_at is not None and not comment.username:
            user, name = None, ""
        if user is not None:
            name = ""
        if len(name) > MAX_NAME_LENGTH:
            self.summary.add_problem(
                Problem(
                    comment.position,
                    "name too long",
                    f"{len(name)} characters: {name[:30]!r}...",
                    f"kept the first {MAX_NAME_LENGTH}",
                    skipped=False,
                )
            )
            name = name[:MAX_NAME_LENGTH]
        best_score = comment.best_score
        if best_score is None:
            best_score = wilson_lower_bound(comment.upvotes, comment.downvotes)
        return Comment(
            article_id=article_id,
            user=user,
            # As posting does: a comment without an account is anonymous.
            anonymous=comment.anonymous if user is not None else True,
            author_name=name,
            body=comment.body,
            body_html=comment.body_html,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            deleted_at=comment.deleted_at,
            status=comment.status,
            moderation_reasons=comment.moderation_reasons,
            spam_score=comment.spam_score,
            report_count=comment.report_count,
            fingerprint=fingerprint_of(comment.body) if comment.body else "",
            upvotes=comment.upvotes,
            downvotes=comment.downvotes,
            best_score=best_score,
        )

    # --- 2. Thread ------------------------------------------------------

    def _thread_replies(self) -> None:
        waiting = ImportedComment.objects.filter(
            source=self.source, awaiting_parent=True
        )
        total = waiting.count()
        placed = 0
        while total > placed:
            placed_this_round = 0
            after = 0
            while True:
                chunk = list(
                    waiting.filter(pk__gt=after)
                    .order_by("pk")
                    .values(
                        "pk",
                        "source_id",
                        "source_reply_to",
                        "source_display_parent",
                        "comment_id",
                        "comment__article_id",
                    )[: self.chunk_size]
                )
                if not chunk:
                    break
                after = chunk[-1]["pk"]
                placed_this_round += self._place(chunk)
                if self.progress is not None:
                    self.progress(
                        "threading", placed + placed_this_round, total, "replies"
                    )
            placed += placed_this_round
            if placed_this_round == 0 and total > placed:
                placed += self._break_loop(waiting)

    def _place(self, chunk: list[dict]) -> int:
        """Place the replies of ``chunk`` whose parents are placed; the
        number of rows settled (placed, or left top-level and reported)."""
        wanted = {row["source_reply_to"] for row in chunk} | {
            row["source_display_parent"]
            for row in chunk
            if row["source_display_parent"]
        }
        known = {
            row["source_id"]: row
            for row in ImportedComment.objects.filter(
                source=self.source, source_id__in=wanted
            ).values(
                "source_id",
                "awaiting_parent",
                "comment_id",
                "comment__article_id",
                "comment__depth",
                "comment__root_id",
                "comment__parent_id",
            )
        }
        placed_here: dict[str, Comment] = {}
        changed: list[Comment] = []
        settled: list[int] = []
        for row in chunk:
            self.touched.add(row["comment__article_id"])
            reply = Comment(pk=row["comment_id"], article_id=row["comment__article_id"])
            answered_id = row["source_reply_to"]
            answered = known.get(answered_id)
            if answered is None or answered["comment__article_id"] != reply.article_id:
                detail = (
                    f"answers {answered_id}, which is not in the file or was skipped"
                    if answered is None
                    else f"answers {answered_id}, which is in another thread"
                )
                kind = "parent missing" if answered is None else "parent elsewhere"
                self._problem(row, kind, detail, "imported as top-level")
                settled.append(row["pk"])
                continue
            shown_under = self._shown_under(row, known)
            if shown_under is not None:
                under = _placed(shown_under, placed_here)
                if under is None:
                    continue  # waits for its parent to be placed
                reply.in_reply_to_id = answered["comment_id"]
                reply.parent_id = under.pk
                reply.root_id = under.root_id or under.pk
                reply.depth = under.depth + 1
            else:
                parent = _placed(answered, placed_here)
                if parent is None:
                    continue
                # The rule of posting itself, so an import can never thread
                # differently from the site.
                place_in_thread(reply, parent)
            changed.append(reply)
            placed_here[row["source_id"]] = reply
            settled.append(row["pk"])
        with transaction.atomic():
            _save_places(changed)
            ImportedComment.objects.filter(pk__in=settled).update(awaiting_parent=False)
        return len(settled)

    def _shown_under(self, row: dict, known: dict) -> dict | None:
        """Talkpage exports: the row of the comment this one was displayed
        under, if it can be used; None to place it by the rule."""
        shown_id = row["source_display_parent"]
        if not shown_id:
            return None
        shown = known.get(shown_id)
        if shown is None or shown["comment__article_id"] != row["comment__article_id"]:
            self._problem(
                row,
                "display parent missing",
                f"shown under {shown_id}, which is not here",
                "placed under the comment it answers",
            )
            return None
        return shown

    def _break_loop(self, waiting) -> int:
        """Every reply still waiting waits on another that waits: the file's
        parents go round in a circle. The first one becomes top-level."""
        first = waiting.order_by("pk").values("pk", "source_id").first()
        self._problem(
            first,
            "reply loop",
            "its parents lead back to itself",
            "imported as top-level",
        )
        ImportedComment.objects.filter(pk=first["pk"]).update(awaiting_parent=False)
        return 1

    def _problem(self, row: dict, kind: str, detail: str, outcome: str) -> None:
        self.summary.add_problem(
            Problem(f"comment id {row['source_id']}", kind, detail, outcome, False)
        )

    # --- 3. Count -------------------------------------------------------

    def _recount(self) -> None:
        touched = sorted(self.touched)
        self.summary.articles_touched = len(touched)
        visible = Comment.objects.visible().order_by()
        replies = (
            visible.filter(root=OuterRef("pk"))
            .values("root")
            .annotate(n=Count("pk"))
            .values("n")
        )
        comments = (
            visible.filter(article=OuterRef("pk"))
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        for start in range(0, len(touched), 500):
            batch = touched[start : start + 500]
            # Comment rows before article rows, as every writer does.
            with transaction.atomic():
                Comment.objects.filter(
                    article_id__in=batch, parent__isnull=True
                ).update(reply_count=Coalesce(Subquery(replies), 0))
                articles = Article.objects.filter(pk__in=batch)
                articles.update(comment_count=Coalesce(Subquery(comments), 0))
                articles.discussion_changed()
            if self.progress is not None:
                self.progress("counting", start + len(batch), len(touched), "articles")

    def _report_unmapped(self) -> None:
        by_size = sorted(
            self.unmapped.items(), key=lambda item: -self.skipped_per_thread[item[0]]
        )
        for thread_id, (url, reason) in by_size:
            comments = self.skipped_per_thread[thread_id]
            self.summary.unmapped_threads.add(
                UnmappedThread(thread_id, url, reason, comments)
            )

    def _record_event(self) -> None:
        summary = self.summary
        record_event(
            actor=None,
            action="importers.comments.imported",
            after={
                "format": summary.format,
                "file": summary.file,
                "source": summary.source,
                "imported": summary.comments_imported,
                "already_imported": summary.already_imported,
                "skipped": summary.skipped,
                "problems": summary.problems.total,
                "articles": summary.articles_touched,
            },
        )


def _save_places(comments: list[Comment]) -> None:
    """Write the four threading columns of ``comments``: one prepared
    statement run per row. (bulk_update builds a CASE per row and column,
    and took 90% of an import's time.)"""
    if not comments:
        return
    meta = Comment._meta
    columns = [
        meta.get_field(name).column
        for name in ("parent", "root", "in_reply_to", "depth")
    ]
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608 (our own table and columns)
        f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (c.parent_id, c.root_id, c.in_reply_to_id, c.depth, c.pk)
                for c in comments
            ],
        )


def _placed(row: dict, placed_here: dict[str, Comment]) -> Comment | None:
    """The comment of ``row`` with its final place, or None while it waits."""
    if row["source_id"] in placed_here:
        return placed_here[row["source_id"]]
    if row["awaiting_parent"]:
        return None
    return Comment(
        pk=row["comment_id"],
        article_id=row["comment__article_id"],
        depth=row["comment__depth"],
        root_id=row["comment__root_id"],
        parent_id=row["comment__parent_id"],
    )


class _Accounts:
    """The accounts a chunk's authors have here: by username (Talkpage
    exports), else by email address, in any case, and only a verified one:
    anyone can register with someone else's address, and must not thereby
    own that person's imported comments."""

    def __init__(self, comments: Iterable[SourceComment]):
        emails, usernames = set(), set()
        for comment in comments:
            if comment.username:
                usernames.add(comment.username.lower())
            elif comment.email:
                emails.add(comment.email.lower())
        self.by_email = {
            user.email.lower(): user
            for user in User.objects.annotate(lower=Lower("email")).filter(
                lower__in=emails, email_verified_at__isnull=False
            )
        }
        self.by_username = {
            user.username.lower(): user
            for user in User.objects.annotate(lower=Lower("username")).filter(
                lower__in=usernames
            )
        }

    def author_of(self, comment: SourceComment):
        if comment.username:
            return self.by_username.get(comment.username.lower())
        if comment.email:
            return self.by_email.get(comment.email.lower())
        return None


# --- Export -----------------------------------------------------------------


def export_comments(
    *, destination: Path | TextIO, progress: Progress | None = None
) -> ExportSummary:
    """Write every site, article and comment to ``destination`` (a path, or
    an open text stream such as stdout) in Talkpage's export format.

    A path is written under a temporary name and renamed when complete, so
    an interrupted export never leaves a file that looks whole.
    """
    if not isinstance(destination, Path):
        return write_export(destination, progress=progress)
    folder = destination.resolve().parent
    if not folder.is_dir():
        raise ImportFailed(f"{folder}: no such folder")
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{destination.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            summary = write_export(out, progress=progress)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary
