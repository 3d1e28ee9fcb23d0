"""What an import did, for the person who ran it: nothing left out unsaid.

Every record that was not imported is counted, and the first
:data:`LISTED` of each list are kept in full; the rest are counted by kind.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from talkpage.importers.records import Problem

LISTED = 20
T = TypeVar("T")


@dataclass
class Listing(Generic[T]):
    """The first few items in full, and how many there were of each kind."""

    limit: int = LISTED
    items: list[T] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)

    def add(self, item: T, kind: str = "") -> None:
        self.by_kind[kind] += 1
        if len(self.items) < self.limit:
            self.items.append(item)

    @property
    def total(self) -> int:
        return self.by_kind.total()

    @property
    def unlisted(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class UnmappedThread:
    source_id: str
    url: str
    reason: str
    comments: int

    def __str__(self) -> str:
        comments = f"{self.comments} comment{'s' if self.comments != 1 else ''}"
        url = self.url or "(no address)"
        return f"thread {self.source_id} {url} ({comments}): {self.reason}"


@dataclass
class ImportSummary:
    format: str
    file: str
    source: str = ""
    threads_in_file: int = 0
    threads_mapped: int = 0
    threads_created: int = 0
    comments_imported: int = 0
    already_imported: int = 0
    # Comment records left out, for whatever reason (each is in a list or
    # count below).
    skipped: int = 0
    skipped_in_unmapped_threads: int = 0
    # WordPress pingbacks and trackbacks: not comments, counted by type.
    not_comments: Counter = field(default_factory=Counter)
    unmapped_threads: Listing[UnmappedThread] = field(default_factory=Listing)
    problems: Listing[Problem] = field(default_factory=Listing)
    articles_touched: int = 0

    def add_problem(self, problem: Problem) -> None:
        self.problems.add(problem, problem.kind)
        if problem.skipped:
            self.skipped += 1

    @property
    def threads_without_comments(self) -> int:
        mapped_or_not = self.threads_mapped + self.unmapped_threads.total
        return max(0, self.threads_in_file - mapped_or_not)

    def lines(self) -> list[str]:
        lines = [
            f"Imported {self.format} export {self.file} (source {self.source!r}):",
            f"  comments: {self.comments_imported} imported, "
            f"{self.already_imported} already imported, {self.skipped} skipped",
            f"  threads: {self.threads_mapped} mapped ({self.threads_created} new), "
            f"{self.unmapped_threads.total} mapped nowhere, "
            f"{self.threads_without_comments} without comments",
        ]
        if self.not_comments:
            kinds = ", ".join(
                f"{n} {kind}{'s' if n != 1 else ''}"
                for kind, n in self.not_comments.items()
            )
            lines.append(f"  not comments: {kinds} (skipped)")
        if self.problems.total:
            kinds = ", ".join(
                f"{kind} {n}" for kind, n in self.problems.by_kind.most_common()
            )
            lines.append(f"  problems: {self.problems.total} ({kinds})")
        if self.unmapped_threads.total:
            lines.append(
                "Threads that map nowhere (comments skipped: "
                f"{self.skipped_in_unmapped_threads}):"
            )
            lines.extend(f"  {thread}" for thread in self.unmapped_threads.items)
            if self.unmapped_threads.unlisted:
                lines.append(f"  ... and {self.unmapped_threads.unlisted} more")
        if self.problems.total:
            lines.append("Problems:")
            lines.extend(f"  {problem}" for problem in self.problems.items)
            if self.problems.unlisted:
                lines.append(f"  ... and {self.problems.unlisted} more")
        return lines
