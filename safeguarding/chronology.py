"""A pupil's record: overview, chronology (incidents and actions in the order they happened),
and the document vault; the same chronology, whole, is what the PDF export prints.

Value types and pure rules only (the use cases are in safeguarding/services/pupils.py). Only
those who may view pupils open a record, never one they are excluded from. Each incident is
decided on its own: one the viewer may not read is left out, one that needs elevated access is
held back (and counted) until they enter their code. Storage decides, orders and pages the
entries before any text is read (safeguarding/chronology_pages.py), so a pupil with hundreds of
entries costs one page of reading and decryption.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safeguarding.access import (
    AccessPolicy,
    Action,
    Decision,
    Pupil,
    Record,
    Viewer,
    decide,
)
from safeguarding.case_actions import ActionEntry
from safeguarding.cases import CaseEvent
from safeguarding.errors import InvalidInput
from safeguarding.incidents import (
    AttachmentInfo,
    IncidentFacts,
    Marker,
    Status,
    reference,
)
from safeguarding.school import Category, Student
from safeguarding.search import StudentMatch
from safeguarding.staff import StaffMember
from safeguarding.viewing import pupil_records

PAGE = 10
MAX_OFFSET = 100_000  # a page further on than any pupil's chronology runs
PERSONAL_ONLY = "personal_only"  # why a record did not open: not the 1:1 chat


def opens_here(conversation: str) -> bool:
    """Pupil records open in the 1:1 chat with Kestrel only, never in a group chat or channel."""
    return conversation == "personal"


def may_view_pupils(actor: StaffMember, policy: AccessPolicy) -> bool:
    """Whether this member of staff may open pupil records at all (to search for one)."""
    return actor.active and (
        actor.leads_safeguarding
        or any(policy.rights(actor, c).view_students for c in policy.categories)
    )


def may_view_pupil(
    viewer: Viewer, policy: AccessPolicy, student: Student | None, now: datetime
) -> bool:
    """Whether this viewer may open this pupil's record (never one that does not exist)."""
    if student is None:
        return False
    pupil = Record(pupils=(Pupil(student.id, student.year_group, student.tutor_group),))
    return decide(viewer, Action.VIEW_STUDENT, pupil, policy, now) == Decision.ALLOW


def page_offset(offset: int) -> int:
    """The first entry asked for, kept between the start and well past any chronology's end."""
    return max(0, min(offset, MAX_OFFSET))


@dataclass(frozen=True)
class ChronologyFilter:
    """Which entries: categories (any of them; none = all) and a date range (inclusive)."""

    category_ids: frozenset[int] = frozenset()
    since: date | None = None
    until: date | None = None

    def describe(self, categories: dict[int, Category]) -> str:
        parts = []
        if self.category_ids:
            names = sorted(categories[c].name for c in self.category_ids if c in categories)
            parts.append("categories: " + ", ".join(names))
        if self.since:
            parts.append(f"from {self.since.strftime('%d/%m/%Y')}")
        if self.until:
            parts.append(f"to {self.until.strftime('%d/%m/%Y')}")
        return "; ".join(parts) or "everything the exporter may see"


def read_filter(values: Mapping[str, Any], categories: Sequence[int]) -> ChronologyFilter:
    """The record's filter inputs; InvalidInput names a wrong date."""
    errors: dict[str, str] = {}
    dates: list[date | None] = []
    for name in ("since", "until"):
        text = str(values.get(name) or "").strip()
        try:
            dates.append(date.fromisoformat(text) if text else None)
        except ValueError:
            errors[name] = "Enter a date (for example 2026-09-01)."
            dates.append(None)
    since, until = dates
    if since and until and since > until:
        errors["until"] = "The end date is before the start date."
    if errors:
        raise InvalidInput(errors)
    raw = values.get("filter_categories")
    chosen = {
        int(v) for v in str(raw or "")[:2000].split(",") if v.strip().isdecimal() and len(v) < 12
    }
    return ChronologyFilter(frozenset(chosen & set(categories)), since, until)


# One incident's entries at one moment come in this order (then by action id or version).
KINDS = ("incident", "action", "decision")


@dataclass(frozen=True)
class EntryRef:
    """Which entry: an incident (item 0), an action (item: its id) or a decision (its version)."""

    kind: str
    incident_id: int
    item: int = 0


@dataclass(frozen=True)
class Entry:
    """One line of the chronology: an incident or an action on it."""

    kind: str  # incident, action, decision (assigned, or a status with its reason)
    happened_at: datetime
    incident: IncidentFacts
    author_id: int
    category_ids: frozenset[int]
    action: "ActionEntry | None" = None
    text: str = ""  # decrypted for the page shown (or the export)
    decision: "CaseEvent | None" = None
    # An action is also found by this pupil's categories on its incident (never another's).
    pupil_categories: frozenset[int] = frozenset()

    @property
    def recorded_at(self) -> datetime:
        if self.action is not None:
            return self.action.recorded_at
        return self.decision.at if self.decision is not None else self.incident.recorded_at

    @property
    def ref(self) -> EntryRef:
        if self.action is not None:
            return EntryRef(self.kind, self.incident.id, self.action.id)
        item = self.decision.version if self.decision is not None else 0
        return EntryRef(self.kind, self.incident.id, item)

    @property
    def key(self) -> tuple[datetime, datetime, int, int, int]:
        """When it happened (to the minute, as forms take it), then when it was recorded (the
        order storage pages the chronology in)."""
        ref = self.ref
        return (
            self.happened_at.replace(second=0, microsecond=0),
            self.recorded_at,
            ref.incident_id,
            KINDS.index(ref.kind),
            ref.item,
        )


@dataclass(frozen=True)
class Case:
    """An incident of the record by its status (the overview lists those not closed)."""

    id: int
    status: Status

    @property
    def reference(self) -> str:
        return reference(self.id)


@dataclass(frozen=True)
class PupilRecord:
    student: Student
    time_zone: str
    entries: tuple[Entry, ...]  # the page asked for (all of them for an export)
    total: int  # entries matching the filter
    offset: int
    held_back: int  # entries needing elevated access, not shown until the code is entered
    open_cases: tuple[Case, ...]
    monitoring: tuple[str, ...]  # category names this pupil is monitored for
    documents: tuple[tuple[str, AttachmentInfo], ...]  # with their incident's reference
    categories: dict[int, Category] = field(default_factory=dict)
    staff_names: dict[int, str] = field(default_factory=dict)
    chosen: ChronologyFilter = ChronologyFilter()
    oversees: bool = False  # the DSL team: the pupil audit report
    # Pupils of these incidents whose records this viewer may open: only they are named.
    visible_pupils: frozenset[int] = frozenset()
    # Body-map markers of the incidents shown, by incident (the export loads them).
    markers: Mapping[int, tuple[Marker, ...]] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        return self.offset + len(self.entries) < self.total


@dataclass(frozen=True)
class PupilMatches:
    """The pupils whose names start with the words typed (never one the viewer is excluded from)."""

    query: str
    matches: tuple[StudentMatch, ...]


@dataclass(frozen=True)
class ChronologyExport:
    """Export chronology (PDF) was pressed: the pupil, and the filter the link will name."""

    student: Student
    chosen: ChronologyFilter


def visible_pupils(
    incidents: Sequence[IncidentFacts], viewer: Viewer, policy: AccessPolicy, now: datetime
) -> frozenset[int]:
    """The pupils of these incidents this viewer may see (as the incident view decides)."""
    return frozenset(s for i in incidents for s in pupil_records(viewer, policy, i, now))


def open_cases(incidents: Sequence[Case]) -> tuple[Case, ...]:
    """The incidents not closed yet, oldest reference first."""
    return tuple(sorted((i for i in incidents if i.status != Status.CLOSED), key=lambda i: i.id))


def monitoring(monitored: frozenset[int], categories: Sequence[Category]) -> tuple[str, ...]:
    """The categories this pupil is monitored for, by name."""
    return tuple(sorted(c.name for c in categories if c.id in monitored))


def viewed_detail(
    page: Sequence[Entry], offset: int, total: int, chosen: ChronologyFilter
) -> dict[str, Any]:
    """What the audit event of a view (or an export) says was shown."""
    detail: dict[str, Any] = {"entries": len(page), "offset": offset, "of": total}
    if chosen.category_ids:
        detail["categories"] = sorted(chosen.category_ids)
    return detail


def entry_text(
    entry: Entry,
    incidents: Mapping[int, str],
    actions: Mapping[int, str],
    reasons: Mapping[tuple[int, int], str],
) -> str:
    """The decrypted text of one entry, from the page's texts."""
    if entry.action is not None:
        return actions.get(entry.action.id, "")
    if entry.decision is not None:
        return reasons.get((entry.incident.id, entry.decision.version), "")
    return incidents.get(entry.incident.id, "")
