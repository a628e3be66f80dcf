"""Imports of the roster, kept as runs, and the import health the DSL team and administrators see.

A run is one import of a file (`kestrel import pupils`) or, later, one sync from Microsoft Graph:
what it changed, the first rows it rejected (file, line, reason: never a pupil's name), or why
it failed. Health is Healthy when the newest run of each kind succeeded cleanly within the
stale window, Failed when one failed or rejected rows (when and why), Stale otherwise.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from safeguarding.roster import Rejected
from safeguarding.roster_changes import LEFT, RETURNED, UPDATED, RosterChanges

IMPORT, SYNC = "import", "sync"
FIRST_REJECTED = 20  # rejected lines kept with a run and printed
DEFAULT_STALE_AFTER = timedelta(hours=26)


@dataclass(frozen=True)
class ImportRun:
    """One import (or sync) of a school's roster, and what came of it."""

    school_id: int
    kind: str  # import (a file), sync (Microsoft Graph)
    source: str  # oneroster, sds, mis (graph)
    started_at: datetime
    finished_at: datetime
    succeeded: bool
    full: bool = False
    created: int = 0
    updated: int = 0
    returned: int = 0
    left: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: tuple[str, ...] = ()  # the first rejected lines: "users.csv line 7: why"
    failure: str = ""  # why nothing was imported
    id: int = 0

    @property
    def clean(self) -> bool:
        """Succeeded with every row imported."""
        return self.succeeded and self.rejected == 0

    def counts(self) -> dict[str, int]:
        """The counts, for the audit event and the summary (ids and counts only)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "returned": self.returned,
            "left": self.left,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def finished_run(
    school_id: int,
    kind: str,
    source: str,
    changes: RosterChanges,
    *,
    full: bool,
    started_at: datetime,
    finished_at: datetime,
) -> ImportRun:
    """The run of an import that went in (rejected rows and all)."""
    return ImportRun(
        school_id,
        kind,
        source,
        started_at,
        finished_at,
        succeeded=True,
        full=full,
        created=len(changes.created),
        updated=changes.count(UPDATED),
        returned=changes.count(RETURNED),
        left=changes.count(LEFT),
        unchanged=changes.unchanged,
        rejected=len(changes.rejected),
        problems=first_problems(changes.rejected),
    )


def first_problems(rejected: Sequence[Rejected]) -> tuple[str, ...]:
    """The first rejected lines, as kept and printed."""
    return tuple(str(r)[:300] for r in rejected[:FIRST_REJECTED])


class Health(StrEnum):
    HEALTHY = "Healthy"
    STALE = "Stale"
    FAILED = "Failed"


@dataclass(frozen=True)
class ImportHealth:
    """The roster's health: the newest run of each kind and what it says; pupils added by hand
    that still wait to be merged into the roster's."""

    status: Health
    last: ImportRun | None  # the run the status is about (the worst one)
    why: str = ""
    provisional: int = 0


def import_health(
    newest: Sequence[ImportRun], now: datetime, stale_after: timedelta, provisional: int = 0
) -> ImportHealth:
    """Failed if a kind's newest run failed or rejected rows; Stale if none ran, or one is
    older than `stale_after`; Healthy otherwise."""
    for run in newest:
        if not run.succeeded:
            return ImportHealth(Health.FAILED, run, run.failure, provisional)
        if not run.clean:
            rows = "row was" if run.rejected == 1 else "rows were"
            return ImportHealth(Health.FAILED, run, f"{run.rejected} {rows} rejected", provisional)
    if not newest:
        return ImportHealth(Health.STALE, None, "no import yet", provisional)
    oldest = min(newest, key=lambda r: r.finished_at)
    if now - oldest.finished_at > stale_after:
        return ImportHealth(Health.STALE, oldest, "", provisional)
    return ImportHealth(Health.HEALTHY, max(newest, key=lambda r: r.finished_at), "", provisional)
