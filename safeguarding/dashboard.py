"""My dashboard: one row per incident, in the first section it belongs to, saying why it is
there. For the DSL team it opens with New concerns (every Open incident nobody is assigned to,
so a concern whose categories alert nobody, with nobody tagged, still reaches them), then
unread alerts, open cases assigned to me and incidents I recorded; 10 rows a page.

A row names its pupil and categories only when this member of staff may read the incident
(elevation may still be asked when it is opened); otherwise just its reference and status.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from safeguarding.imports import ImportHealth, ImportRun
from safeguarding.incidents import IncidentFacts, Status, reference
from safeguarding.school import Student

PAGE = 10
# A section counts its incidents this far (or to the end of the page shown, if further): a
# count that read every row would grow with the school's history on every press.
COUNTED = 100
LAST_OFFSET = 100_000
NEW, ALERTS, ASSIGNED, HISTORY = "new", "alerts", "assigned", "history"


@dataclass(frozen=True)
class AlertNote:
    """One unread alert about an incident on the dashboard: who raised it, why, when."""

    raised_by: str
    reason: str  # tagged, group, escalation, assigned, reminder
    created_at: datetime


def count_limit(offset: int, limit: int) -> int:
    """How many incidents a section's count reads at most: one more than it states exactly."""
    return max(COUNTED, offset + limit) + 1


@dataclass(frozen=True)
class SectionIds:
    """A page of one section as stored: its incidents (in order), how many in all (at most
    `count_limit`: more than it says), where."""

    ids: tuple[int, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class BoardIds:
    """The dashboard's pages as stored, each incident in one section only, and this member of
    staff's unread alerts about the incidents on it (newest first)."""

    alerts: SectionIds
    assigned: SectionIds
    history: SectionIds
    new: SectionIds | None = None  # the DSL team's New concerns
    notes: Mapping[int, tuple[AlertNote, ...]] = field(default_factory=dict)
    # For those who keep the roster in step: pupils waiting to be merged, the newest import
    # runs of each kind; for the DSL team: how many changes to access wait to be confirmed.
    waiting: tuple[int, ...] = ()
    runs: tuple[ImportRun, ...] = ()
    proposals: int = 0

    def incident_ids(self) -> list[int]:
        sections = (self.new, self.alerts, self.assigned, self.history)
        return [i for s in sections if s is not None for i in s.ids]


@dataclass(frozen=True)
class DashboardLine:
    incident_id: int
    when: datetime
    status: Status
    who: str = ""  # who alerted (alerts) or who recorded it
    pupil: Student | None = None  # None: not this member of staff's to see
    categories: tuple[str, ...] = ()
    version: int = 1  # the incident's version, for Assign to me
    workable: bool = False  # this member of staff may work the case (Assign to me)
    why: tuple[str, ...] = ()  # why it is on my dashboard, in words

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class Section:
    lines: tuple[DashboardLine, ...]
    total: int
    offset: int

    @property
    def more(self) -> bool:
        return self.offset + len(self.lines) < self.total

    @property
    def counted(self) -> str:
        """How many, as the title says it: exactly, or "100+" past what a count reads."""
        stated = count_limit(self.offset, PAGE) - 1
        return f"{stated}+" if self.total > stated else str(self.total)


@dataclass(frozen=True)
class Dashboard:
    alerts: Section
    assigned: Section
    history: Section
    new: Section | None = None  # the DSL team's New concerns (None for everyone else)
    imports: ImportHealth | None = None  # the roster's import status (DSL team, administrators)
    administers: bool = False  # an administrator: the dashboard says what they can do instead
    proposals: int = 0  # the DSL team: changes to access waiting for one of them to confirm

    def offsets(self) -> list[int]:
        """Where each section starts, in the order More buttons carry them."""
        sections = (self.alerts, self.assigned, self.history, self.new)
        return [s.offset for s in sections if s is not None]


def page_offsets(pages: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The first row of each section (alerts, assigned, history, new concerns), kept within
    what a page of the dashboard can ask; a section not given starts at its first row."""
    alerts, assigned, history, new = (max(0, min(o, LAST_OFFSET)) for o in (*pages, 0, 0, 0, 0)[:4])
    return alerts, assigned, history, new


def reasons(
    section: str, facts: IncidentFacts, notes: Sequence[AlertNote], viewer_id: int
) -> tuple[str, ...]:
    """Why this incident is on this member of staff's dashboard, most telling first."""
    words = ["new: not yet assigned"] if section == NEW else []
    for note in notes:
        words.append(_said(note))
    open_case = facts.status != Status.CLOSED
    if facts.assignee_id == viewer_id and open_case and section != NEW:
        words.append("assigned to you")
    if facts.recorded_by == viewer_id:
        words.append("recorded by you")
    return tuple(dict.fromkeys(w for w in words if not _said_already(w, words)))


def _said(note: AlertNote) -> str:
    if note.reason == "escalation":
        return "escalated: urgent and not yet read"
    if note.reason == "assigned":
        return f"assigned to you by {note.raised_by}"
    if note.reason == "reminder":
        return "planner reminder"
    return f"alerted by {note.raised_by}"


def _said_already(word: str, words: Sequence[str]) -> bool:
    """'assigned to you' says less than 'assigned to you by X' on the same row."""
    return word == "assigned to you" and any(w.startswith("assigned to you by") for w in words)


def dashboard_line(
    facts: IncidentFacts,
    *,
    readable: bool,
    workable: bool = False,
    categories: Mapping[int, str],
    names: Mapping[int, str],
    when: datetime | None = None,
    who: str = "",
    why: tuple[str, ...] = (),
) -> DashboardLine:
    """One line: its pupil and categories only if `readable` (decided for this viewer)."""
    who = who or names.get(facts.recorded_by, "")
    when = when or facts.happened_at
    if not readable or not facts.pupils:
        return DashboardLine(facts.id, when, facts.status, who, version=facts.version, why=why)
    main = facts.pupils[0]
    words = tuple(sorted(categories.get(c, "") for c in main.category_ids))
    return DashboardLine(
        facts.id, when, facts.status, who, main.student, words, facts.version, workable, why
    )
