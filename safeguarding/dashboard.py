"""My dashboard: unread alerts, open cases assigned to me, incidents I recorded; 10 a page.
For the DSL team it opens with New concerns: every Open incident nobody is assigned to, so a
concern whose categories alert nobody, with nobody tagged, still reaches them.

A line names its pupil and categories only when this member of staff may read the incident
(elevation may still be asked when it is opened); otherwise just its reference and status.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from safeguarding.imports import ImportHealth
from safeguarding.incidents import IncidentFacts, Status, reference
from safeguarding.school import Student

PAGE = 10
LAST_OFFSET = 100_000


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


@dataclass(frozen=True)
class Dashboard:
    alerts: Section
    assigned: Section
    history: Section
    new: Section | None = None  # the DSL team's New concerns (None for everyone else)
    imports: ImportHealth | None = None  # the roster's import status (DSL team, administrators)

    def offsets(self) -> list[int]:
        """Where each section starts, in the order More buttons carry them."""
        sections = (self.alerts, self.assigned, self.history, self.new)
        return [s.offset for s in sections if s is not None]


def page_offsets(pages: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The first row of each section (alerts, assigned, history, new concerns), kept within
    what a page of the dashboard can ask; a section not given starts at its first row."""
    alerts, assigned, history, new = (max(0, min(o, LAST_OFFSET)) for o in (*pages, 0, 0, 0, 0)[:4])
    return alerts, assigned, history, new


def dashboard_line(
    facts: IncidentFacts,
    *,
    readable: bool,
    workable: bool = False,
    categories: Mapping[int, str],
    names: Mapping[int, str],
    when: datetime | None = None,
    who: str = "",
) -> DashboardLine:
    """One line: its pupil and categories only if `readable` (decided for this viewer)."""
    who = who or names.get(facts.recorded_by, "")
    when = when or facts.happened_at
    if not readable or not facts.pupils:
        return DashboardLine(facts.id, when, facts.status, who, version=facts.version)
    main = facts.pupils[0]
    words = tuple(sorted(categories.get(c, "") for c in main.category_ids))
    return DashboardLine(
        facts.id, when, facts.status, who, main.student, words, facts.version, workable
    )
