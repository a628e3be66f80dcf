"""Actions on an incident as data: what was done, when, by whom, and a planner reminder's day.

Value types only (ports.py stores and loads them); the use cases are in
safeguarding/services/actions.py, reading the Add action form in safeguarding/action_form.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safeguarding.incidents import IncidentFacts
from safeguarding.school import Category

REMIND_AT = time(8, 0)
PLANNER_AHEAD = timedelta(days=3 * 366)


@dataclass(frozen=True)
class ActionDraft:
    key: str
    text: str
    happened_at: datetime  # UTC
    time_zone: str
    category_ids: frozenset[int] = frozenset()
    agency: str = ""
    planner_date: date | None = None
    planner_staff_id: int | None = None
    alert_staff_ids: frozenset[int] = frozenset()
    alert_group_ids: frozenset[int] = frozenset()
    confirm: str = ""
    original: str = ""  # an HTML email as pasted, when `text` is its readable text


@dataclass(frozen=True)
class NewAction:
    school_id: int
    incident_id: int
    recorded_by: int
    recorded_at: datetime
    draft: ActionDraft


@dataclass(frozen=True)
class ActionEntry:
    """A saved action, decrypted for someone allowed to read its incident."""

    id: int
    incident_id: int
    recorded_by: int
    recorded_at: datetime
    happened_at: datetime
    time_zone: str
    text: str
    category_ids: frozenset[int]
    agency: str
    planner_date: date | None
    planner_staff_id: int | None
    pasted: bool = False  # its text was an HTML email's: the original is kept as evidence


@dataclass(frozen=True)
class AddedAction:
    action_id: int
    incident_id: int
    alerted: int
    repeated: bool = False  # the same form sent again: the first action, not a second one

    def notice(self) -> str:
        """What the incident card says above itself once the action is saved."""
        if self.repeated:
            return "This action was saved already."
        alerted = ""
        if self.alerted:
            many = "1 colleague" if self.alerted == 1 else f"{self.alerted} colleagues"
            alerted = f" {many} will be alerted."
        return f"Action added.{alerted} Files you send me in the next 15 minutes go with it."


@dataclass(frozen=True)
class ActionList:
    """All actions: every action on an incident this member of staff may read, in full."""

    facts: IncidentFacts
    actions: Sequence[ActionEntry]
    staff_names: Mapping[int, str]
    categories: Mapping[int, Category]
    offset: int = 0  # the first action of the page asked for


def remind_at(day: date, time_zone: str) -> datetime:
    """When a planner reminder is due: 08:00 school time on that day."""
    return datetime.combine(day, REMIND_AT, ZoneInfo(time_zone))
