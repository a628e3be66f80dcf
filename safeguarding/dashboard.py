"""My dashboard: unread alerts, open cases assigned to me, incidents I recorded; 10 a page.

A line names its pupil and categories only when this member of staff may read the incident
(elevation may still be asked when it is opened); otherwise just its reference and status.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

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


def page_offsets(pages: tuple[int, int, int]) -> tuple[int, int, int]:
    """The first row of each section, kept within what a page of the dashboard can ask."""
    alerts, assigned, history = (max(0, min(o, LAST_OFFSET)) for o in pages)
    return alerts, assigned, history


def dashboard_line(
    facts: IncidentFacts,
    *,
    readable: bool,
    categories: Mapping[int, str],
    names: Mapping[int, str],
    when: datetime | None = None,
    who: str = "",
) -> DashboardLine:
    """One line: its pupil and categories only if `readable` (decided for this viewer)."""
    who = who or names.get(facts.recorded_by, "")
    when = when or facts.happened_at
    if not readable or not facts.pupils:
        return DashboardLine(facts.id, when, facts.status, who)
    main = facts.pupils[0]
    words = tuple(sorted(categories.get(c, "") for c in main.category_ids))
    return DashboardLine(facts.id, when, facts.status, who, main.student, words)
